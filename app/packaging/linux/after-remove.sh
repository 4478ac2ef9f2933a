#!/bin/sh
# deb postrm (electron-builder `deb.afterRemove`; ${executable} and
# ${sanitizedProductName} are filled in by electron-builder). $1 is what dpkg
# is doing: remove, purge, upgrade, failed-upgrade, abort-install, ...
# Replaces electron-builder's default script and keeps its work.
set -e

app='/opt/${sanitizedProductName}'
bin='${executable}'

case "$1" in
  remove | purge)
    if command -v update-alternatives >/dev/null 2>&1; then
      update-alternatives --remove "$bin" "$app/$bin" || true
    else
      rm -f "/usr/bin/$bin"
    fi
    if [ -f "/etc/apparmor.d/$bin" ]; then
      if apparmor_status --enabled >/dev/null 2>&1 && command -v apparmor_parser >/dev/null 2>&1; then
        apparmor_parser --remove "/etc/apparmor.d/$bin" || true
      fi
      rm -f "/etc/apparmor.d/$bin"
    fi
    # Stopping an instance takes its tunnel down cleanly (SIGTERM).
    if [ -d /run/systemd/system ]; then
      systemctl stop 'slipstream-helper@*.service' || true
    fi
    # A stop while the tunnel is wanted keeps its kill switch blocking (fail closed);
    # removing the package is the user's disconnect, so the block goes with it.
    if command -v nft >/dev/null 2>&1; then
      nft delete table inet slipstream 2>/dev/null || true
    fi
    for link in /etc/systemd/system/*.wants/slipstream-helper@*.service; do
      [ -L "$link" ] && rm -f "$link"
    done
    rm -f /lib/systemd/system/slipstream-helper@.service
    rm -f /usr/share/polkit-1/actions/com.slipstream.helper.policy
    if [ -d /run/systemd/system ]; then
      systemctl daemon-reload || true
    fi
    ;;
esac

# Purge also forgets the profiles (private keys) and logs of every user.
if [ "$1" = purge ]; then
  rm -rf /var/lib/slipstream /var/log/slipstream
fi
exit 0
