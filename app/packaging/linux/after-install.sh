#!/bin/sh
# deb postinst (electron-builder `deb.afterInstall`; ${executable} and
# ${sanitizedProductName} are filled in by electron-builder, single-quote safe).
# Replaces electron-builder's default script, so it keeps that script's work
# (the /usr/bin link, chrome-sandbox, desktop database, AppArmor profile)
# and adds the helper's systemd template unit and polkit action.
set -e

app='/opt/${sanitizedProductName}'
bin='${executable}'

if command -v update-alternatives >/dev/null 2>&1; then
  update-alternatives --install "/usr/bin/$bin" "$bin" "$app/$bin" 100 ||
    ln -sf "$app/$bin" "/usr/bin/$bin"
else
  ln -sf "$app/$bin" "/usr/bin/$bin"
fi

# Chromium needs the SUID sandbox only where unprivileged user namespaces are off.
if [ -L /proc/self/ns/user ] && unshare --user true 2>/dev/null; then
  chmod 0755 "$app/chrome-sandbox" || true
else
  chmod 4755 "$app/chrome-sandbox" || true
fi

if command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database /usr/share/mime || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database /usr/share/applications || true
fi

# Ubuntu 24.04+ restricts unprivileged user namespaces to profiled programs.
if apparmor_status --enabled >/dev/null 2>&1 && command -v apparmor_parser >/dev/null 2>&1; then
  if apparmor_parser --skip-kernel-load --debug "$app/resources/apparmor-profile" >/dev/null 2>&1; then
    cp -f "$app/resources/apparmor-profile" "/etc/apparmor.d/$bin"
    if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; }; then
      apparmor_parser --replace --write-cache --skip-read-cache "/etc/apparmor.d/$bin" || true
    fi
  fi
fi

# The helper: root-owned launcher, template unit, polkit action.
chown root:root "$app/resources/linux/slipstream-helper"
chmod 0755 "$app/resources/linux/slipstream-helper"
install -D -m 0644 "$app/resources/linux/slipstream-helper@.service" \
  /lib/systemd/system/slipstream-helper@.service
install -D -m 0644 "$app/resources/linux/com.slipstream.helper.policy" \
  /usr/share/polkit-1/actions/com.slipstream.helper.policy

# Instances are enabled per user on demand (the app asks through pkexec);
# on an upgrade, the running ones restart on the new code.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl try-restart 'slipstream-helper@*.service' || true
fi
exit 0
