// Passkeys (W3C WebAuthn L2): the IdP's only script. CSP is script-src 'self', so nothing is
// inline: each button names its endpoints in data-* attributes, and the server does every check.
(function () {
  "use strict";

  // The page renders these in the reader's language (data-msg-*); English if it did not.
  var DEFAULTS = {
    cancelled: "The passkey request was cancelled or timed out. Try again.",
    unavailable: "Something went wrong. Reload the page and try again.",
    back: "Back to the service"
  };

  function text(button, key) {
    var name = "msg" + key.charAt(0).toUpperCase() + key.slice(1);
    return button.dataset[name] || DEFAULTS[key];
  }

  function bytesFromB64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }

  function b64urlFromBytes(buffer) {
    var binary = "";
    new Uint8Array(buffer).forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: bytesFromB64url(c.id) });
    });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: bytesFromB64url(json.challenge),
      user: Object.assign({}, json.user, { id: bytesFromB64url(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials)
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: bytesFromB64url(json.challenge),
      allowCredentials: withIds(json.allowCredentials)
    });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      return credential.toJSON();
    }
    var r = credential.response;
    var response = { clientDataJSON: b64urlFromBytes(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = b64urlFromBytes(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = b64urlFromBytes(r.authenticatorData);
      response.signature = b64urlFromBytes(r.signature);
      if (r.userHandle) { response.userHandle = b64urlFromBytes(r.userHandle); }
    }
    return {
      id: credential.id,
      rawId: b64urlFromBytes(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function say(button, box, message, back) {
    box.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.textContent = message;
    box.append(paragraph);
    if (back) {
      var link = document.createElement("a");
      link.className = "button";
      link.href = back;
      link.textContent = text(button, "back");
      box.append(link);
    }
    box.hidden = false;
    box.focus();
  }

  function sayError(button, box, data) {
    if (data && data.message) {
      say(button, box, data.message, data.back);
    } else {
      say(button, box, text(button, "unavailable"));
    }
  }

  function ceremony(button) {
    var box = document.getElementById(button.dataset.errorBox);
    var register = button.dataset.passkey === "register";
    var csrf = button.dataset.csrf;
    button.disabled = true;
    box.hidden = true;
    return post(button.dataset.optionsUrl, csrf, {}).then(function (options) {
      if (!options.ok) {
        if (options.data.redirect) {
          window.location.assign(options.data.redirect);
        } else {
          sayError(button, box, options.data);
        }
        return null;
      }
      var asked = register
        ? navigator.credentials.create({ publicKey: creationOptions(options.data.publicKey) })
        : navigator.credentials.get({ publicKey: requestOptions(options.data.publicKey) });
      return asked.then(function (credential) {
        var body = { credential: credentialJSON(credential), flow: button.dataset.flow || "",
                     next: button.dataset.next || "" };
        if (register) {
          var name = document.getElementById(button.dataset.nameInput);
          body.name = name ? name.value : "";
        }
        return post(button.dataset.verifyUrl, csrf, body);
      }, function () {
        say(button, box, text(button, "cancelled"));
        return null;
      });
    }).then(function (result) {
      if (!result) { return; }
      if (result.ok && result.data.redirect) {
        window.location.assign(result.data.redirect);
        return;
      }
      if (!result.ok && result.data.error === "login_required" && result.data.redirect) {
        window.location.assign(result.data.redirect);
        return;
      }
      sayError(button, box, result.data);
    }).catch(function () {
      say(button, box, text(button, "unavailable"));
    }).finally(function () {
      button.disabled = false;
    });
  }

  document.querySelectorAll("[data-passkey]").forEach(function (button) {
    var section = button.closest("[data-passkey-section]") || button;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      return;  // the section stays hidden: this browser cannot use passkeys
    }
    section.hidden = false;
    button.addEventListener("click", function () { ceremony(button); });
  });
})();
