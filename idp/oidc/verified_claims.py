"""`verified_claims` (OpenID Connect for Identity Assurance 1.0, final, October 2024).

What in-person level-2 proofing recorded, released to a relying party that asks for it in the
`claims` parameter (§5.3-5.5) and is allowed to (Client.verified_claims_allowed):

- Nothing unless the client is allowed, the account is proofed at level 2 with a passport and a
  residence card both still valid, and the session authenticated at level 2 (§10.2: strong
  identification needs strong authentication). Otherwise the element is left out, never an error.
- Only what was requested, constraints honoured (verified_claims_select.py).

Identifiers (§12): the working group's identifiers page has no Vietnamese trust framework or
residence-card type, so ours are URIs under the issuer (collision resistant, as §12 requires).
Check methods are predefined ones: `vpip` (an officer inspected the physical document), `data`
(matched against the national immigration database), `bvp` (automated biometric comparison with
the person present: face or fingerprints captured at the office, matched by the registry).
"""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime

from .verified_claims_select import answer

TRUST_FRAMEWORK = "trust_framework/vn_nd69_2024"  # Decree 69/2024/ND-CP, under the issuer
ASSURANCE_LEVEL = "level_2"
POLICY = "Decree 69/2024/ND-CP"
PROCEDURE = "level_2_in_person"
IMMIGRATION = "Immigration Department, Ministry of Public Security of Viet Nam"
REGISTRY = "National Immigration Database of Viet Nam"
CLAIMS = ("given_name", "family_name", "name", "birthdate", "gender", "nationalities")
CHECK_METHODS = ("vpip", "data", "bvp")
CARD_TYPES = {"temporary": "vn_temporary_residence_card", "permanent": "vn_permanent_residence_card"}
CONSENT_ITEM = "verified_claims"  # recorded beside the scopes in the holder's consent


def trust_framework(issuer: str) -> str:
    return f"{issuer}/{TRUST_FRAMEWORK}"


def _document_type(issuer: str, kind: str) -> str:
    return "passport" if kind == "passport" else f"{issuer}/document_type/{kind}"


def metadata(issuer: str) -> dict:
    """OP metadata (§8). `verified_claims_supported` left the final text; older RPs read it."""
    return {
        "verified_claims_supported": True,
        "trust_frameworks_supported": [trust_framework(issuer)],
        "evidence_supported": ["document"],
        "documents_supported": [_document_type(issuer, kind) for kind in
                                ("passport", "travel_document", *CARD_TYPES.values())],
        "documents_check_methods_supported": list(CHECK_METHODS),
        "claims_in_verified_claims_supported": list(CLAIMS),
    }


def requested(claims_param) -> dict:
    """The `verified_claims` requests of a claims parameter, by member: {"id_token": ..., ...}."""
    if isinstance(claims_param, str):
        try:
            claims_param = json.loads(claims_param)
        except ValueError:
            return {}
    if not isinstance(claims_param, dict):
        return {}
    found = {}
    for member in ("id_token", "userinfo"):
        part = claims_param.get(member)
        if isinstance(part, dict) and isinstance(part.get("verified_claims"), dict | list):
            found[member] = part["verified_claims"]
    return found


def consent_items(claims_param, client, account) -> list[str]:
    """What the holder must agree to beyond the scopes (§5.7.3): only when something could go."""
    if (requested(claims_param) and client is not None and client.verified_claims_allowed
            and account is not None and account.proofed_level >= 2):
        return [CONSENT_ITEM]
    return []


def releasable(account, client, session_level: int, today: date) -> bool:
    """Allowed client, level-2 account with both documents valid today, level-2 session."""
    return bool(
        client is not None and client.verified_claims_allowed and not client.disabled
        and account is not None and account.proofed_level >= 2 and session_level >= 2
        and account.document_number and account.residence_card_number
        and account.document_expires is not None and account.document_expires >= today
        and account.residence_card_expires is not None and account.residence_card_expires >= today
    )


def build(account, client, wanted, *, session_level: int, issuer: str, now: datetime):
    """`verified_claims` answering one member's request (an object or an array), or None."""
    if not releasable(account, client, session_level, now.date()):
        return None
    held, person = _held(account, issuer), _person(account)
    if isinstance(wanted, list):  # §5.6: each request object on its own
        answers = [answer(held, person, one, CLAIMS, now) for one in wanted if isinstance(one, dict)]
        return [a for a in answers if a is not None] or None
    return answer(held, person, wanted, CLAIMS, now) if isinstance(wanted, dict) else None


def released_names(verified) -> list[str]:
    """For the holder's activity log: which parts went out, never their values."""
    names: set[str] = set()
    for one in (verified if isinstance(verified, list) else [verified] if verified else []):
        names.add("verified_claims.verification")
        if "evidence" in one["verification"]:
            names.add("verified_claims.evidence")
        names.update(f"verified_claims.{name}" for name in one["claims"])
    return sorted(names)


# --- what proofing recorded ---------------------------------------------------------------
def _stamp(moment: datetime | None) -> str | None:
    """Naive UTC as `YYYY-MM-DDThh:mm:ssZ` (§9: UTC keeps the holder's location private)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _check(method: str, organization: str, at: datetime | None) -> dict:
    entry = {"check_method": method, "organization": organization}
    if at is not None:
        entry["time"] = _stamp(at)
    return entry


def _held(account, issuer: str) -> dict:
    proofed = account.proofed_at
    document_checks = [_check("vpip", IMMIGRATION, proofed), _check("data", REGISTRY, proofed)]
    if account.biometric_matched_at is not None:
        document_checks.append(_check("bvp", IMMIGRATION, account.biometric_matched_at))
    document_kind = "passport" if account.document_type == "passport" else "travel_document"
    document = {"type": _document_type(issuer, document_kind),
                "document_number": account.document_number,
                "date_of_expiry": account.document_expires.isoformat()}
    if document_kind == "passport" and account.nationality:
        document["issuer"] = {"country_code": account.nationality}  # a passport's state
    card_kind = CARD_TYPES.get(account.residence_card_type, "vn_temporary_residence_card")
    card = {"type": _document_type(issuer, card_kind),
            "document_number": account.residence_card_number,
            "date_of_expiry": account.residence_card_expires.isoformat(),
            "issuer": {"name": IMMIGRATION, "country_code": "VNM"}}
    verification = {
        "trust_framework": trust_framework(issuer),
        "assurance_level": ASSURANCE_LEVEL,
        "assurance_process": {"policy": POLICY, "procedure": PROCEDURE},
        "evidence": [
            {"type": "document", "check_details": document_checks, "document_details": document},
            {"type": "document", "check_details": [_check("vpip", IMMIGRATION, proofed),
                                                   _check("data", REGISTRY, proofed)],
             "document_details": card},
        ],
    }
    if proofed is not None:
        verification["time"] = _stamp(proofed)
    return verification


def _person(account) -> dict:
    values = {"given_name": account.given_name, "family_name": account.family_name,
              "name": account.name, "birthdate": account.birthdate, "gender": account.gender,
              "nationalities": [account.nationality] if account.nationality else None}
    return {name: value for name, value in values.items() if value not in (None, "")}
