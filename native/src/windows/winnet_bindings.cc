// The JS `winNet` object (app/platform/windows/native.ts): argument checks,
// then the primitives of winnet.h. Errors carry the Win32 call and code.
#include "winnet_bindings.h"

#include <string>
#include <vector>

// winnet.h first: winsock2.h must come before windows.h (win32_util.h).
#include "winnet.h"

#include "../js_errors.h"
#include "win32_util.h"

namespace slipstream {
namespace {

bool Uint(Napi::Env env, Napi::Value v, const char* what, uint32_t max, uint32_t* out) {
  if (!v.IsNumber()) {
    ThrowTypeError(env, std::string(what) + " must be a number");
    return false;
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != static_cast<double>(static_cast<uint32_t>(d))) {
    ThrowRangeError(env, std::string(what) + " must be an integer 0.." + std::to_string(max));
    return false;
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

bool Family(Napi::Env env, Napi::Value v, const char* what, int* out) {
  uint32_t f = 0;
  if (!Uint(env, v, what, 6, &f)) return false;
  if (f != 4 && f != 6) {
    ThrowRangeError(env, std::string(what) + " must be 4 or 6");
    return false;
  }
  *out = static_cast<int>(f);
  return true;
}

bool Ip(Napi::Env env, Napi::Value v, int family, const char* what, WinIp* out) {
  if (!v.IsString() || !ParseWinIp(v.As<Napi::String>().Utf8Value(), family, out)) {
    ThrowTypeError(env, std::string(what) + " must be an IPv" + std::to_string(family) +
                            " address");
    return false;
  }
  return true;
}

bool Strings(Napi::Env env, Napi::Value v, const char* what, std::vector<std::string>* out) {
  if (!v.IsArray()) {
    ThrowTypeError(env, std::string(what) + " must be an array of strings");
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length() && i < 64; ++i) {
    Napi::Value s = a.Get(i);
    if (!s.IsString()) {
      ThrowTypeError(env, std::string(what) + " must be an array of strings");
      return false;
    }
    const std::string text = s.As<Napi::String>().Utf8Value();
    // DNS names and addresses only: no separators that would change the meaning of the list.
    if (text.empty() || text.size() > 253 ||
        text.find_first_of(",; \t\r\n\"") != std::string::npos) {
      ThrowTypeError(env, std::string(what) + " holds an invalid entry");
      return false;
    }
    out->push_back(text);
  }
  return true;
}

Napi::Value Done(Napi::Env env, const char* call, DWORD err) {
  if (err != 0) ThrowWin32Error(env, call, err);
  return env.Undefined();
}

Napi::Value SetMtu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0, mtu = 0;
  int family = 4;
  if (!Uint(env, info[0], "setMtu: ifindex", 0x7fffffff, &ifindex) ||
      !Family(env, info[1], "setMtu: family", &family) ||
      !Uint(env, info[2], "setMtu: mtu", 65535, &mtu)) {
    return env.Undefined();
  }
  return Done(env, "SetIpInterfaceEntry", WinSetMtu(ifindex, family, mtu));
}

Napi::Value Address(const Napi::CallbackInfo& info, bool add) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0, prefix = 0;
  int family = 4;
  WinIp ip;
  if (!Uint(env, info[0], "address: ifindex", 0x7fffffff, &ifindex) ||
      !Family(env, info[1], "address: family", &family) ||
      !Ip(env, info[2], family, "address: address", &ip) ||
      !Uint(env, info[3], "address: prefixLength", family == 4 ? 32 : 128, &prefix)) {
    return env.Undefined();
  }
  return Done(env, add ? "CreateUnicastIpAddressEntry" : "DeleteUnicastIpAddressEntry",
              WinAddress(add, ifindex, ip, static_cast<uint8_t>(prefix)));
}
Napi::Value AddAddress(const Napi::CallbackInfo& info) { return Address(info, true); }
Napi::Value DeleteAddress(const Napi::CallbackInfo& info) { return Address(info, false); }

Napi::Value Route(const Napi::CallbackInfo& info, bool add) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowTypeError(env, "route must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  WinRouteSpec r;
  uint32_t prefix = 0;
  int family = 4;
  if (!Uint(env, o.Get("ifindex"), "route.ifindex", 0x7fffffff, &r.ifindex) ||
      !Family(env, o.Get("family"), "route.family", &family) ||
      !Ip(env, o.Get("dst"), family, "route.dst", &r.dst) ||
      !Uint(env, o.Get("prefixLength"), "route.prefixLength", family == 4 ? 32 : 128, &prefix) ||
      !Uint(env, o.Get("metric"), "route.metric", 0x7fffffff, &r.metric)) {
    return env.Undefined();
  }
  r.prefix_length = static_cast<uint8_t>(prefix);
  Napi::Value hop = o.Get("nextHop");
  if (!hop.IsUndefined()) {
    if (!Ip(env, hop, family, "route.nextHop", &r.next_hop)) return env.Undefined();
    r.has_next_hop = true;
  }
  return Done(env, add ? "CreateIpForwardEntry2" : "DeleteIpForwardEntry2", WinRoute(add, r));
}
Napi::Value AddRoute(const Napi::CallbackInfo& info) { return Route(info, true); }
Napi::Value DeleteRoute(const Napi::CallbackInfo& info) { return Route(info, false); }

Napi::Value BestRoute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = 4;
  WinIp dst;
  uint32_t exclude = 0;
  if (!Family(env, info[0], "bestRoute: family", &family) ||
      !Ip(env, info[1], family, "bestRoute: address", &dst) ||
      !Uint(env, info[2], "bestRoute: excludeIfindex", 0x7fffffff, &exclude)) {
    return env.Undefined();
  }
  // Optional: { ifindex, nextHop } of the tunnel's own host route to pass over.
  WinIgnoredHostRoute ignore;
  bool ignoring = false;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (!info[3].IsObject()) {
      ThrowTypeError(env, "bestRoute: ignore must be an object");
      return env.Undefined();
    }
    Napi::Object o = info[3].As<Napi::Object>();
    if (!Uint(env, o.Get("ifindex"), "bestRoute: ignore.ifindex", 0x7fffffff, &ignore.ifindex) ||
        !Ip(env, o.Get("nextHop"), family, "bestRoute: ignore.nextHop", &ignore.next_hop)) {
      return env.Undefined();
    }
    ignoring = true;
  }
  uint32_t ifindex = 0;
  WinIp hop;
  const DWORD err = WinBestRoute(dst, exclude, ignoring ? &ignore : nullptr, &ifindex, &hop);
  if (err == ERROR_NOT_FOUND) return env.Null();
  if (err != 0) return Done(env, "GetIpForwardTable2", err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("ifindex", ifindex);
  o.Set("nextHop", FormatWinIp(hop));
  return o;
}

Napi::Value SetDnsSettings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  std::vector<std::string> servers, search;
  if (!Uint(env, info[0], "setDnsSettings: ifindex", 0x7fffffff, &ifindex) ||
      !Strings(env, info[1], "setDnsSettings: servers", &servers) ||
      !Strings(env, info[2], "setDnsSettings: search", &search)) {
    return env.Undefined();
  }
  bool available = false;
  const DWORD err = WinSetDnsSettings(ifindex, servers, search, &available);
  if (err != 0) return Done(env, "SetInterfaceDnsSettings", err);
  return Napi::Boolean::New(env, available);
}

std::wstring JoinWide(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(1, sep)) + s;
  return Widen(out);
}

Napi::Value SetDnsRegistry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  int family = 4;
  std::vector<std::string> servers, search;
  if (!Uint(env, info[0], "setDnsRegistry: ifindex", 0x7fffffff, &ifindex) ||
      !Family(env, info[1], "setDnsRegistry: family", &family) ||
      !Strings(env, info[2], "setDnsRegistry: servers", &servers) ||
      !Strings(env, info[3], "setDnsRegistry: search", &search)) {
    return env.Undefined();
  }
  std::wstring old_ns, old_search;
  const DWORD err = WinSetDnsRegistry(ifindex, family, JoinWide(servers, ','),
                                      JoinWide(search, ','), &old_ns, &old_search);
  if (err != 0) return Done(env, "RegSetValueExW(NameServer)", err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("nameServer", Narrow(old_ns.c_str()));
  o.Set("searchList", Narrow(old_search.c_str()));
  return o;
}

Napi::Value RestoreDnsRegistry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  int family = 4;
  if (!Uint(env, info[0], "restoreDnsRegistry: ifindex", 0x7fffffff, &ifindex) ||
      !Family(env, info[1], "restoreDnsRegistry: family", &family) || !info[2].IsObject()) {
    if (!env.IsExceptionPending()) ThrowTypeError(env, "restoreDnsRegistry: backup must be an object");
    return env.Undefined();
  }
  Napi::Object b = info[2].As<Napi::Object>();
  if (!b.Get("nameServer").IsString() || !b.Get("searchList").IsString()) {
    ThrowTypeError(env, "restoreDnsRegistry: backup needs nameServer and searchList strings");
    return env.Undefined();
  }
  std::wstring ignored_ns, ignored_search;
  return Done(env, "RegSetValueExW(NameServer)",
              WinSetDnsRegistry(ifindex, family, Widen(b.Get("nameServer").As<Napi::String>()),
                                Widen(b.Get("searchList").As<Napi::String>()), &ignored_ns,
                                &ignored_search));
}

bool RuleName(Napi::Env env, Napi::Value v, std::string* out) {
  if (!v.IsString()) {
    ThrowTypeError(env, "NRPT rule name must be a string");
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  // A registry key name under DnsPolicyConfig: no path separators.
  if (out->empty() || out->size() > 64 || out->find_first_of("\\/") != std::string::npos) {
    ThrowTypeError(env, "NRPT rule name must be 1..64 characters without \\ or /");
    return false;
  }
  return true;
}

Napi::Value AddNrptRule(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  std::vector<std::string> space, servers;
  if (!RuleName(env, info[0], &name)) return env.Undefined();
  if (!info[1].IsString()) {
    ThrowTypeError(env, "addNrptRule: namespace must be a string");
    return env.Undefined();
  }
  if (!Strings(env, info[2], "addNrptRule: servers", &servers)) return env.Undefined();
  return Done(env, "RegSetValueExW(DnsPolicyConfig)",
              WinAddNrptRule(Widen(name), Widen(info[1].As<Napi::String>()),
                             JoinWide(servers, ';')));
}

Napi::Value DeleteNrptRule(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!RuleName(env, info[0], &name)) return env.Undefined();
  return Done(env, "RegDeleteKeyW(DnsPolicyConfig)", WinDeleteNrptRule(Widen(name)));
}

Napi::Value InstallKillSwitch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowTypeError(env, "installKillSwitch: spec must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  WinKillSwitchSpec spec;
  uint32_t port = 0;
  if (!Uint(env, o.Get("tunnelIfindex"), "spec.tunnelIfindex", 0x7fffffff, &spec.tunnel_ifindex) ||
      !Uint(env, o.Get("udpPort"), "spec.udpPort", 65535, &port) || !o.Get("endpoints").IsArray()) {
    if (!env.IsExceptionPending()) ThrowTypeError(env, "spec.endpoints must be an array");
    return env.Undefined();
  }
  spec.udp_port = static_cast<uint16_t>(port);
  spec.allow_lan = o.Get("allowLan").ToBoolean();
  Napi::Array eps = o.Get("endpoints").As<Napi::Array>();
  for (uint32_t i = 0; i < eps.Length() && i < 32; ++i) {
    if (!eps.Get(i).IsObject()) {
      ThrowTypeError(env, "spec.endpoints entries must be objects");
      return env.Undefined();
    }
    Napi::Object e = eps.Get(i).As<Napi::Object>();
    WinKillSwitchSpec::Endpoint ep;
    int family = 4;
    uint32_t eport = 0;
    if (!Family(env, e.Get("family"), "endpoint.family", &family) ||
        !Ip(env, e.Get("address"), family, "endpoint.address", &ep.address) ||
        !Uint(env, e.Get("port"), "endpoint.port", 65535, &eport)) {
      return env.Undefined();
    }
    ep.port = static_cast<uint16_t>(eport);
    spec.endpoints.push_back(ep);
  }
  return Done(env, "FwpmFilterAdd0", WinInstallKillSwitch(spec));
}

Napi::Value RemoveKillSwitch(const Napi::CallbackInfo& info) {
  return Done(info.Env(), "FwpmFilterDeleteByKey0", WinRemoveKillSwitch());
}

}  // namespace

void ExportWinNet(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("setMtu", Napi::Function::New<SetMtu>(env, "setMtu"));
  o.Set("addAddress", Napi::Function::New<AddAddress>(env, "addAddress"));
  o.Set("deleteAddress", Napi::Function::New<DeleteAddress>(env, "deleteAddress"));
  o.Set("addRoute", Napi::Function::New<AddRoute>(env, "addRoute"));
  o.Set("deleteRoute", Napi::Function::New<DeleteRoute>(env, "deleteRoute"));
  o.Set("bestRoute", Napi::Function::New<BestRoute>(env, "bestRoute"));
  o.Set("setDnsSettings", Napi::Function::New<SetDnsSettings>(env, "setDnsSettings"));
  o.Set("setDnsRegistry", Napi::Function::New<SetDnsRegistry>(env, "setDnsRegistry"));
  o.Set("restoreDnsRegistry", Napi::Function::New<RestoreDnsRegistry>(env, "restoreDnsRegistry"));
  o.Set("addNrptRule", Napi::Function::New<AddNrptRule>(env, "addNrptRule"));
  o.Set("deleteNrptRule", Napi::Function::New<DeleteNrptRule>(env, "deleteNrptRule"));
  o.Set("installKillSwitch", Napi::Function::New<InstallKillSwitch>(env, "installKillSwitch"));
  o.Set("removeKillSwitch", Napi::Function::New<RemoveKillSwitch>(env, "removeKillSwitch"));
  exports.Set("winNet", o);
}

}  // namespace slipstream
