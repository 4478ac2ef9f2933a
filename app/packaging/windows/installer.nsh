; electron-builder NSIS include (win.nsis.include): prepares the helper's data
; directory and registers the privileged helper as a Windows service. The
; installer runs elevated (perMachine), the app itself runs asInvoker; the
; service is the one privileged piece.
;
; Runtime: the service runs Electron's Node, not the Electron app: binPath is
; Slipstream.exe with the helper's script (app/helper/service-main.ts), and the
; service key's Environment value (REG_MULTI_SZ) sets ELECTRON_RUN_AS_NODE=1
; for it. Without that value Slipstream.exe would start the script as an
; Electron app, which the script refuses; so a failed write removes the service.
;
; %ProgramData%\Slipstream is created here, before the service exists, by the
; addon's ensureSecureDirectory (one CreateDirectoryW with a protected DACL:
; SYSTEM and Administrators full control, nothing inherited), so no user can
; create it first; whatever was there already and is not the system's is
; renamed aside (app/helper/data-root.ts). If that fails the install stops.
;
; ACL: by default only administrators may start a service. The SDDL below is
; Windows' default service descriptor plus "start" (RP) for interactive users
; (IU), so the non-elevated app can start the helper on demand; stopping it,
; reconfiguring it or deleting it stays with SYSTEM and administrators.

!include LogicLib.nsh

!define SLIPSTREAM_SERVICE "SlipstreamHelper"
!define SLIPSTREAM_SERVICE_KEY "SYSTEM\CurrentControlSet\Services\${SLIPSTREAM_SERVICE}"
; asarUnpack puts dist/app/** beside app.asar (electron-builder.yml).
!define SLIPSTREAM_HELPER_DIR "$INSTDIR\resources\app.asar.unpacked\dist\app\helper"
!define SLIPSTREAM_SERVICE_SDDL "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWRPLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)"

; Stops and deletes the service; harmless when it is not installed.
!macro slipstreamRemoveService
  nsExec::ExecToLog '"$SYSDIR\sc.exe" stop ${SLIPSTREAM_SERVICE}'
  Pop $0
  ; A stopping service is only marked for deletion; give it a moment.
  Sleep 1000
  nsExec::ExecToLog '"$SYSDIR\sc.exe" delete ${SLIPSTREAM_SERVICE}'
  Pop $0
!macroend

; Runs one of the helper's scripts with Electron's Node; the exit code in $0.
; The variable reaches the child through this process's environment and is
; removed again right after.
!macro slipstreamRunAsNode SCRIPT
  System::Call 'kernel32::SetEnvironmentVariableW(w "ELECTRON_RUN_AS_NODE", w "1")'
  nsExec::ExecToLog '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "${SLIPSTREAM_HELPER_DIR}\${SCRIPT}"'
  Pop $0
  System::Call 'kernel32::SetEnvironmentVariableW(w "ELECTRON_RUN_AS_NODE", p 0)'
!macroend

!macro customInstall
  ; An update (or a repair) replaces the service with one for this $INSTDIR.
  !insertmacro slipstreamRemoveService
  !insertmacro slipstreamRunAsNode "install-data-root.js"
  ${If} $0 != 0
    Abort "Slipstream could not create its data directory safely (exit $0); see the details."
  ${EndIf}
  ; sc.exe wants "name= value" with the space after '='; binPath quotes the exe
  ; and the script so a path with spaces (Program Files) cannot be misread.
  nsExec::ExecToLog '"$SYSDIR\sc.exe" create ${SLIPSTREAM_SERVICE} binPath= "\"$INSTDIR\${APP_EXECUTABLE_FILENAME}\" --max-semi-space-size=4 \"${SLIPSTREAM_HELPER_DIR}\service-main.js\"" start= demand DisplayName= "Slipstream VPN helper"'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Could not register the Slipstream helper service (sc.exe exit $0)"
    SetErrors
  ${Else}
    nsExec::ExecToLog '"$SYSDIR\reg.exe" add "HKLM\${SLIPSTREAM_SERVICE_KEY}" /v Environment /t REG_MULTI_SZ /d ELECTRON_RUN_AS_NODE=1 /f'
    Pop $0
    ${If} $0 != 0
      ; Fail closed: without the variable the service would not run as Node.
      !insertmacro slipstreamRemoveService
      Abort "Slipstream could not configure its service (reg.exe exit $0)."
    ${EndIf}
    nsExec::ExecToLog '"$SYSDIR\sc.exe" description ${SLIPSTREAM_SERVICE} "Creates and manages Slipstream VPN tunnels."'
    Pop $0
    nsExec::ExecToLog '"$SYSDIR\sc.exe" sdset ${SLIPSTREAM_SERVICE} "${SLIPSTREAM_SERVICE_SDDL}"'
    Pop $0
    ; Restart after a crash, like systemd's Restart=on-failure on Linux.
    nsExec::ExecToLog '"$SYSDIR\sc.exe" failure ${SLIPSTREAM_SERVICE} reset= 86400 actions= restart/2000/restart/5000//'
    Pop $0
  ${EndIf}
!macroend

!macro customUnInstall
  !insertmacro slipstreamRemoveService
!macroend
