#include "netconfig_bindings.h"

#include <string>

#include "args.h"
#include "js_errors.h"
#include "platform.h"

namespace slipstream {
namespace {

constexpr uint32_t kMaxIfindex = 0x7fffffff;  // ifindex is a positive int in the kernel
constexpr uint32_t kMaxUint32 = 0xffffffffu;

uint32_t MaxPrefix(const IpAddress& address) { return address.family == 4 ? 32 : 128; }

Napi::Value Finish(Napi::Env env, const char* operation, int err) {
  if (err != 0) ThrowSystemError(env, operation, err);
  return env.Undefined();
}

Napi::Value LinkSetMtuJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  uint32_t mtu = 0;
  if (!ReadUint32(env, info[0], "linkSetMtu: ifindex", 1, kMaxIfindex, &ifindex) ||
      !ReadUint32(env, info[1], "linkSetMtu: mtu", 68, 65535, &mtu)) {
    return env.Undefined();
  }
  return Finish(env, "linkSetMtu", LinkSetMtu(ifindex, mtu));
}

Napi::Value LinkSetUpJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  bool up = false;
  if (!ReadUint32(env, info[0], "linkSetUp: ifindex", 1, kMaxIfindex, &ifindex) ||
      !ReadBoolean(env, info[1], "linkSetUp: up", &up)) {
    return env.Undefined();
  }
  return Finish(env, "linkSetUp", LinkSetUp(ifindex, up));
}

Napi::Value LinkDeleteJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadInterfaceName(env, info[0], "linkDelete: name", false, &name)) return env.Undefined();
  return Finish(env, "linkDelete", LinkDelete(name));
}

Napi::Value LinkIndexJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadInterfaceName(env, info[0], "linkIndex: name", false, &name)) return env.Undefined();
  return Napi::Number::New(env, LinkIndex(name));
}

Napi::Value AddressAddJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ifindex = 0;
  IpAddress address;
  uint32_t prefix = 0;
  if (!ReadUint32(env, info[0], "addressAdd: ifindex", 1, kMaxIfindex, &ifindex) ||
      !ReadIpBytes(env, info[1], "addressAdd: addr", &address) ||
      !ReadUint32(env, info[2], "addressAdd: prefixLength", 0, MaxPrefix(address), &prefix)) {
    return env.Undefined();
  }
  return Finish(env, "addressAdd", AddressAdd(ifindex, address, static_cast<uint8_t>(prefix)));
}

// A route's destination must be a network address: the kernel rejects IPv4
// host bits with a bare EINVAL, so say what is wrong instead.
bool HasHostBits(const IpAddress& address, uint32_t prefix) {
  const size_t length = address.family == 4 ? 4 : 16;
  for (size_t i = 0; i < length; ++i) {
    const uint32_t bit = static_cast<uint32_t>(i * 8);
    uint8_t host_mask = 0xff;
    if (bit + 8 <= prefix) {
      host_mask = 0;
    } else if (bit < prefix) {
      host_mask = static_cast<uint8_t>(0xff >> (prefix - bit));
    }
    if ((address.bytes[i] & host_mask) != 0) return true;
  }
  return false;
}

bool ReadRoute(Napi::Env env, const Napi::Value& value, const std::string& op,
               RouteConfig* route) {
  Napi::Object spec;
  if (!ReadObject(env, value, op + ": route", &spec)) return false;
  uint32_t prefix = 0;
  bool has_table = false;
  if (!ReadUint32(env, spec.Get("ifindex"), op + ": ifindex", 1, kMaxIfindex, &route->ifindex) ||
      !ReadIpBytes(env, spec.Get("dst"), op + ": dst", &route->dst) ||
      !ReadUint32(env, spec.Get("prefixLength"), op + ": prefixLength", 0,
                  MaxPrefix(route->dst), &prefix) ||
      !ReadOptionalUint32(env, spec, "table", op + ": table", 1, kMaxUint32, &has_table,
                          &route->table) ||
      !ReadOptionalUint32(env, spec, "metric", op + ": metric", 0, kMaxUint32,
                          &route->has_metric, &route->metric)) {
    return false;
  }
  if (!has_table) route->table = 254;
  route->prefix_length = static_cast<uint8_t>(prefix);
  if (HasHostBits(route->dst, prefix)) {
    ThrowRangeError(env, op + ": dst has bits set beyond prefixLength");
    return false;
  }
  return true;
}

Napi::Value RouteAddJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RouteConfig route;
  if (!ReadRoute(env, info[0], "routeAdd", &route)) return env.Undefined();
  return Finish(env, "routeAdd", RouteAdd(route));
}

Napi::Value RouteDeleteJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RouteConfig route;
  if (!ReadRoute(env, info[0], "routeDelete", &route)) return env.Undefined();
  return Finish(env, "routeDelete", RouteDelete(route));
}

bool ReadRule(Napi::Env env, const Napi::Value& value, const std::string& op, RuleConfig* rule) {
  Napi::Object spec;
  if (!ReadObject(env, value, op + ": rule", &spec)) return false;
  uint32_t family = 0;
  bool has_table = false;
  if (!ReadUint32(env, spec.Get("family"), op + ": family", 4, 6, &family)) return false;
  if (family != 4 && family != 6) {
    ThrowRangeError(env, op + ": family must be 4 or 6");
    return false;
  }
  rule->family = static_cast<uint8_t>(family);
  if (!ReadOptionalUint32(env, spec, "priority", op + ": priority", 0, kMaxUint32,
                          &rule->has_priority, &rule->priority) ||
      !ReadOptionalUint32(env, spec, "table", op + ": table", 1, kMaxUint32, &has_table,
                          &rule->table) ||
      !ReadOptionalUint32(env, spec, "fwmark", op + ": fwmark", 0, kMaxUint32,
                          &rule->has_fwmark, &rule->fwmark) ||
      !ReadOptionalUint32(env, spec, "suppressPrefixLength", op + ": suppressPrefixLength", 0,
                          family == 4 ? 32 : 128, &rule->has_suppress_prefix_length,
                          &rule->suppress_prefix_length)) {
    return false;
  }
  if (!has_table) {
    ThrowTypeError(env, op + ": table must be a number");
    return false;
  }
  const Napi::Value invert = spec.Get("invert");
  if (!invert.IsUndefined() && !ReadBoolean(env, invert, op + ": invert", &rule->invert)) {
    return false;
  }
  if (rule->invert && !rule->has_fwmark) {
    // "not <match everything>" would silently match nothing.
    ThrowTypeError(env, op + ": invert requires fwmark");
    return false;
  }
  return true;
}

Napi::Value RuleAddJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RuleConfig rule;
  if (!ReadRule(env, info[0], "ruleAdd", &rule)) return env.Undefined();
  return Finish(env, "ruleAdd", RuleAdd(rule));
}

Napi::Value RuleDeleteJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RuleConfig rule;
  if (!ReadRule(env, info[0], "ruleDelete", &rule)) return env.Undefined();
  return Finish(env, "ruleDelete", RuleDelete(rule));
}

}  // namespace

void ExportNetconfig(Napi::Env env, Napi::Object exports) {
  exports.Set("linkSetMtu", Napi::Function::New<LinkSetMtuJs>(env, "linkSetMtu"));
  exports.Set("linkSetUp", Napi::Function::New<LinkSetUpJs>(env, "linkSetUp"));
  exports.Set("linkDelete", Napi::Function::New<LinkDeleteJs>(env, "linkDelete"));
  exports.Set("linkIndex", Napi::Function::New<LinkIndexJs>(env, "linkIndex"));
  exports.Set("addressAdd", Napi::Function::New<AddressAddJs>(env, "addressAdd"));
  exports.Set("routeAdd", Napi::Function::New<RouteAddJs>(env, "routeAdd"));
  exports.Set("routeDelete", Napi::Function::New<RouteDeleteJs>(env, "routeDelete"));
  exports.Set("ruleAdd", Napi::Function::New<RuleAddJs>(env, "ruleAdd"));
  exports.Set("ruleDelete", Napi::Function::New<RuleDeleteJs>(env, "ruleDelete"));
}

}  // namespace slipstream
