// DNS of the tunnel interface: SetInterfaceDnsSettings where Windows has it
// (10 2004+), else the interface's Tcpip/Tcpip6 registry NameServer and
// SearchList; plus an NRPT rule so names are resolved by the tunnel's servers
// only and no other interface answers.
#include "winnet.h"

#include <iphlpapi.h>
#include <netioapi.h>

#include <string>

namespace slipstream {
namespace {

// mingw-w64's netioapi.h predates SetInterfaceDnsSettings: its settings
// structure and flags (Windows SDK 10.0.19041), under our own names.
struct SsDnsInterfaceSettings {
  ULONG Version;
  ULONG64 Flags;
  PWSTR Domain;
  PWSTR NameServer;
  PWSTR SearchList;
  ULONG RegistrationEnabled;
  ULONG RegisterAdapterName;
  ULONG EnableLLMNR;
  ULONG QueryAdapterName;
  PWSTR ProfileNameServer;
};
constexpr ULONG kDnsSettingsVersion1 = 1;
constexpr ULONG64 kDnsSettingIpv6 = 0x0001;
constexpr ULONG64 kDnsSettingNameServer = 0x0002;
constexpr ULONG64 kDnsSettingSearchList = 0x0004;
using SetInterfaceDnsSettingsFn = DWORD(WINAPI*)(GUID, const SsDnsInterfaceSettings*);

SetInterfaceDnsSettingsFn LoadSetInterfaceDnsSettings() {
  HMODULE iphlp = GetModuleHandleW(L"iphlpapi.dll");
  if (iphlp == nullptr) return nullptr;
  FARPROC p = GetProcAddress(iphlp, "SetInterfaceDnsSettings");
  return reinterpret_cast<SetInterfaceDnsSettingsFn>(reinterpret_cast<void*>(p));
}

std::wstring Join(const std::vector<std::string>& items, wchar_t sep) {
  std::wstring out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out.append(s.begin(), s.end());  // addresses and DNS names: ASCII
  }
  return out;
}

DWORD InterfaceGuid(uint32_t ifindex, GUID* guid) {
  NET_LUID luid;
  const DWORD err = ConvertInterfaceIndexToLuid(ifindex, &luid);
  return err != NO_ERROR ? err : ConvertInterfaceLuidToGuid(&luid, guid);
}

std::wstring GuidText(const GUID& g) {
  wchar_t text[64];
  StringFromGUID2(g, text, 64);
  return text;
}

DWORD ReadString(HKEY key, const wchar_t* name, std::wstring* out) {
  DWORD type = 0;
  DWORD size = 0;
  LSTATUS st = RegQueryValueExW(key, name, nullptr, &type, nullptr, &size);
  if (st == ERROR_FILE_NOT_FOUND) {
    out->clear();
    return NO_ERROR;
  }
  if (st != ERROR_SUCCESS) return st;
  if (type != REG_SZ || size > 65536) return ERROR_INVALID_DATA;
  std::wstring buf(size / sizeof(wchar_t) + 1, L'\0');
  st = RegQueryValueExW(key, name, nullptr, &type, reinterpret_cast<BYTE*>(&buf[0]), &size);
  if (st != ERROR_SUCCESS) return st;
  buf.resize(wcsnlen(buf.c_str(), buf.size()));
  *out = buf;
  return NO_ERROR;
}

DWORD WriteString(HKEY key, const wchar_t* name, const std::wstring& value) {
  return RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                        static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
}

const wchar_t kNrptRoot[] =
    L"SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig\\";

// The DNS client reads NRPT rules from policy; a policy refresh makes it
// notice ours now rather than at the next Group Policy cycle.
void RefreshDnsPolicy() {
  HMODULE userenv = LoadLibraryExW(L"userenv.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (userenv == nullptr) return;
  using RefreshPolicyExFn = BOOL(WINAPI*)(BOOL, DWORD);
  auto refresh = reinterpret_cast<RefreshPolicyExFn>(
      reinterpret_cast<void*>(GetProcAddress(userenv, "RefreshPolicyEx")));
  if (refresh != nullptr) refresh(TRUE, 1 /* RP_FORCE */);
  FreeLibrary(userenv);
}

}  // namespace

DWORD WinSetDnsSettings(uint32_t ifindex, const std::vector<std::string>& servers,
                        const std::vector<std::string>& search, bool* available) {
  const SetInterfaceDnsSettingsFn set = LoadSetInterfaceDnsSettings();
  *available = set != nullptr;
  if (set == nullptr) return NO_ERROR;
  GUID guid;
  DWORD err = InterfaceGuid(ifindex, &guid);
  if (err != NO_ERROR) return err;
  std::vector<std::string> v4;
  std::vector<std::string> v6;
  for (const std::string& s : servers) (s.find(':') == std::string::npos ? v4 : v6).push_back(s);
  std::wstring ns4 = Join(v4, L',');
  std::wstring ns6 = Join(v6, L',');
  std::wstring list = Join(search, L',');
  // One call per family: the IPv6 flag selects which server list is set.
  SsDnsInterfaceSettings s{};
  s.Version = kDnsSettingsVersion1;
  s.Flags = kDnsSettingNameServer | kDnsSettingSearchList;
  s.NameServer = &ns4[0];
  s.SearchList = &list[0];
  err = set(guid, &s);
  if (err != NO_ERROR) return err;
  SsDnsInterfaceSettings s6{};
  s6.Version = kDnsSettingsVersion1;
  s6.Flags = kDnsSettingIpv6 | kDnsSettingNameServer;
  s6.NameServer = &ns6[0];
  return set(guid, &s6);
}

DWORD WinSetDnsRegistry(uint32_t ifindex, int family, const std::wstring& name_server,
                        const std::wstring& search_list, std::wstring* old_name_server,
                        std::wstring* old_search_list) {
  GUID guid;
  DWORD err = InterfaceGuid(ifindex, &guid);
  if (err != NO_ERROR) return err;
  const std::wstring path = std::wstring(family == 6 ? L"SYSTEM\\CurrentControlSet\\Services\\Tcpip6"
                                                     : L"SYSTEM\\CurrentControlSet\\Services\\Tcpip") +
                            L"\\Parameters\\Interfaces\\" + GuidText(guid);
  HKEY key = nullptr;
  err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &key);
  if (err != ERROR_SUCCESS) return err;
  err = ReadString(key, L"NameServer", old_name_server);
  if (err == NO_ERROR) err = ReadString(key, L"SearchList", old_search_list);
  if (err == NO_ERROR) err = WriteString(key, L"NameServer", name_server);
  if (err == NO_ERROR) err = WriteString(key, L"SearchList", search_list);
  RegCloseKey(key);
  return err;
}

DWORD WinAddNrptRule(const std::wstring& name, const std::wstring& space,
                     const std::wstring& servers) {
  HKEY key = nullptr;
  const std::wstring path = kNrptRoot + name;
  DWORD err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, nullptr, 0, KEY_SET_VALUE,
                              nullptr, &key, nullptr);
  if (err != ERROR_SUCCESS) return err;
  // Name is a REG_MULTI_SZ of namespaces ("." = every name).
  std::wstring multi = space + L'\0';
  const DWORD version = 2;
  const DWORD config_options = 0x8;  // generic DNS servers
  err = RegSetValueExW(key, L"Name", 0, REG_MULTI_SZ, reinterpret_cast<const BYTE*>(multi.c_str()),
                       static_cast<DWORD>((multi.size() + 1) * sizeof(wchar_t)));
  if (err == ERROR_SUCCESS) err = WriteString(key, L"GenericDNSServers", servers);
  if (err == ERROR_SUCCESS) {
    err = RegSetValueExW(key, L"ConfigOptions", 0, REG_DWORD,
                         reinterpret_cast<const BYTE*>(&config_options), sizeof config_options);
  }
  if (err == ERROR_SUCCESS) {
    err = RegSetValueExW(key, L"Version", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&version),
                         sizeof version);
  }
  RegCloseKey(key);
  if (err != ERROR_SUCCESS) {
    WinDeleteNrptRule(name);
    return err;
  }
  RefreshDnsPolicy();
  return NO_ERROR;
}

DWORD WinDeleteNrptRule(const std::wstring& name) {
  const std::wstring path = kNrptRoot + name;
  const LSTATUS st = RegDeleteKeyW(HKEY_LOCAL_MACHINE, path.c_str());
  if (st != ERROR_SUCCESS && st != ERROR_FILE_NOT_FOUND) return st;
  if (st == ERROR_SUCCESS) RefreshDnsPolicy();
  return NO_ERROR;
}

}  // namespace slipstream
