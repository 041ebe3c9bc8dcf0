"""Tell the holder about a sign-in from a device not seen before.

A device is the browser family and operating system read from the User-Agent, plus the
network (IPv4 /24, IPv6 /48): a new browser, or the same one on another network, counts as new.
The account's known devices are kept (hashed) in the store for 400 days. The very first
sign-in of an account (or after the store forgot) only learns the device: no message then.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..store import StoreUnavailable
from ..store import get_store
from ..store import key
from .outbox import enqueue_to

log = logging.getLogger("idp.notify")

KNOWN_FOR = 400 * 24 * 3600

# First match wins: Edge and Opera also say Chrome, Chrome also says Safari.
BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"), ("FxiOS", "Firefox"),
            ("CriOS", "Chrome"), ("Chrome", "Chrome"), ("Safari", "Safari"))
SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
           ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))


def note_sign_in(account_id: int, *, user_agent: str | None, ip: str) -> None:
    """Queue "new_device" (and commit it) when this device is new for an account that has
    signed in before. Never stops the sign-in: a failure is logged."""
    browser, system = device_family(user_agent)
    network, shown = network_of(ip)
    fingerprint = hashlib.sha256(f"{browser}|{system}|{network}".encode()).hexdigest()[:32]
    store = get_store()
    known_key = key("known-devices", str(account_id))
    try:
        known = store.members(known_key)
        store.add_member(known_key, fingerprint, KNOWN_FOR)
    except StoreUnavailable:
        return
    if not known or fingerprint in known:
        return
    accounts = db.metadata.tables["accounts"]  # the table, not the model: notify sits below accounts
    try:
        holder = db.session.execute(
            select(accounts.c.email, accounts.c.phone_number, accounts.c.locale)
            .where(accounts.c.id == account_id)).first()
        if holder is None:
            return
        enqueue_to(email=holder.email, phone=holder.phone_number, locale=holder.locale,
                   kind="new_device", account_id=account_id,
                   device=f"{browser}, {system}, IP {shown}")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("account %s: new-device notification not queued", account_id)


def device_family(user_agent: str | None) -> tuple[str, str]:
    agent = user_agent or ""
    browser = next((name for token, name in BROWSERS if token in agent), None)
    if browser is None:  # e.g. "curl/8.5.0" -> "curl"
        first = re.match(r"[A-Za-z][A-Za-z0-9._-]{0,30}", agent)
        browser = first.group(0) if first else "?"
    system = next((name for token, name in SYSTEMS if token in agent), "?")
    return browser, system


def network_of(ip: str) -> tuple[str, str]:
    """(the network as a key, how it is shown to the holder)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "?", "?"
    if address.version == 4:
        net = ipaddress.ip_network(f"{address}/24", strict=False)
        return str(net), str(net.network_address).rsplit(".", 1)[0] + ".x"
    net = ipaddress.ip_network(f"{address}/48", strict=False)
    return str(net), str(net)
