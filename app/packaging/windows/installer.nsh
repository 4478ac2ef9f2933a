; electron-builder NSIS include (win.nsis.include): registers the privileged
; helper as a Windows service. The installer runs elevated (perMachine), the
; app itself runs asInvoker; the service is the one privileged piece. Node
; cannot talk to the Service Control Manager, so Slipstream.exe started with
; --helper-service hands itself to it through the native addon
; (native/src/windows/service.cc).
;
; ACL: by default only administrators may start a service. The SDDL below is
; Windows' default service descriptor plus "start" (RP) for interactive users
; (IU), so the non-elevated app can start the helper on demand; stopping it,
; reconfiguring it or deleting it stays with SYSTEM and administrators.

!include LogicLib.nsh

!define SLIPSTREAM_SERVICE "SlipstreamHelper"
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

!macro customInstall
  ; An update (or a repair) replaces the service with one for this $INSTDIR.
  !insertmacro slipstreamRemoveService
  ; sc.exe wants "name= value" with the space after '='; binPath quotes the exe
  ; so a path with spaces (Program Files) cannot be misread.
  nsExec::ExecToLog '"$SYSDIR\sc.exe" create ${SLIPSTREAM_SERVICE} binPath= "\"$INSTDIR\${APP_EXECUTABLE_FILENAME}\" --helper-service" start= demand DisplayName= "Slipstream VPN helper"'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Could not register the Slipstream helper service (sc.exe exit $0)"
    SetErrors
  ${Else}
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
