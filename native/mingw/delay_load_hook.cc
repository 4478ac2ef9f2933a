// Delay-load hook for the mingw-w64 build of the addon (npm run test:windows).
//
// The addon imports Node-API and libuv from "node.exe" through a delay-load
// import library. Inside Electron the host is Slipstream.exe, which exports
// the same functions but under another name, so a plain import of node.exe
// would fail to load there. This hook answers "node.exe" with the module that
// started the process, whatever its file name. node-gyp adds the equivalent
// hook to MSVC builds on its own; mingw builds need their own copy of the idea.
#include <windows.h>
// windows.h first: delayimp.h uses its types.
#include <delayimp.h>

#include <cstring>

namespace {

FARPROC WINAPI ResolveHostModule(unsigned event, PDelayLoadInfo info) {
  if (event != dliNotePreLoadLibrary || _stricmp(info->szDll, "node.exe") != 0) return nullptr;
  return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
}

}  // namespace

// Declared by delayimp.h; the delay-load helper calls it before loading a DLL.
PfnDliHook __pfnDliNotifyHook2 = ResolveHostModule;
