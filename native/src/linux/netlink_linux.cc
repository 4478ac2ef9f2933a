// Link, address, route and rule configuration over rtnetlink: one request per
// call on a private socket, acknowledged (NLM_F_ACK) and matched by sequence
// number, so a failure is reported for exactly the request that caused it.
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {
namespace {

// Requests are tiny; the reply buffer must hold an error message that echoes
// the request back, plus extended-ack attributes.
constexpr size_t kRequestCapacity = 512;
constexpr size_t kReplyCapacity = 8192;

std::atomic<uint32_t> next_sequence{1};

// Builds one netlink message in a fixed buffer: header, family-specific
// header, then attributes, each padded to NLA_ALIGNTO.
class Request {
 public:
  Request(uint16_t type, uint16_t flags) {
    std::memset(buffer_, 0, sizeof buffer_);
    header()->nlmsg_len = NLMSG_LENGTH(0);
    header()->nlmsg_type = type;
    header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    header()->nlmsg_seq = next_sequence.fetch_add(1);
  }

  template <typename T>
  T* Body() {
    header()->nlmsg_len = NLMSG_LENGTH(sizeof(T));
    return reinterpret_cast<T*>(NLMSG_DATA(header()));
  }

  void Attribute(uint16_t type, const void* data, size_t length) {
    const size_t at = NLMSG_ALIGN(header()->nlmsg_len);
    const size_t size = RTA_LENGTH(length);
    if (at + RTA_ALIGN(size) > sizeof buffer_) {
      overflow_ = true;
      return;
    }
    auto* rta = reinterpret_cast<rtattr*>(buffer_ + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(size);
    std::memcpy(RTA_DATA(rta), data, length);
    header()->nlmsg_len = static_cast<uint32_t>(at + RTA_ALIGN(size));
  }

  void U32(uint16_t type, uint32_t value) { Attribute(type, &value, sizeof value); }

  int Execute() {
    if (overflow_) return EMSGSIZE;
    const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return errno;
    const int result = Exchange(fd);
    close(fd);
    return result;
  }

 private:
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_); }

  int Exchange(int fd) {
    // The kernel answers synchronously; the timeout only guards against a
    // wedged netlink socket blocking the JS thread forever.
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_nl kernel;
    std::memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
      sent = sendto(fd, buffer_, header()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                    sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return errno;

    alignas(nlmsghdr) char reply[kReplyCapacity];
    for (;;) {
      ssize_t got;
      do {
        got = recv(fd, reply, sizeof reply, 0);
      } while (got < 0 && errno == EINTR);
      if (got < 0) return errno == EWOULDBLOCK ? ETIMEDOUT : errno;
      size_t remaining = static_cast<size_t>(got);
      for (auto* msg = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(msg, remaining);
           msg = NLMSG_NEXT(msg, remaining)) {
        if (msg->nlmsg_seq != header()->nlmsg_seq) continue;
        if (msg->nlmsg_type == NLMSG_ERROR) {
          if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return EPROTO;
          const auto* ack = reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(msg));
          return ack->error < 0 ? -ack->error : ack->error;
        }
        if (msg->nlmsg_type == NLMSG_DONE) return 0;
      }
    }
  }

  alignas(nlmsghdr) char buffer_[kRequestCapacity];
  bool overflow_ = false;
};

unsigned char Family(uint8_t family) { return family == 6 ? AF_INET6 : AF_INET; }
size_t AddressLength(uint8_t family) { return family == 6 ? 16 : 4; }

int LinkChange(uint32_t ifindex, unsigned int flags, unsigned int change, const uint32_t* mtu) {
  Request request(RTM_NEWLINK, 0);
  auto* info = request.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = static_cast<int>(ifindex);
  info->ifi_flags = flags;
  info->ifi_change = change;
  if (mtu != nullptr) request.U32(IFLA_MTU, *mtu);
  return request.Execute();
}

int RouteRequest(uint16_t type, uint16_t flags, const RouteConfig& route) {
  Request request(type, flags);
  auto* rt = request.Body<rtmsg>();
  rt->rtm_family = Family(route.dst.family);
  rt->rtm_dst_len = route.prefix_length;
  // rtm_table is 8 bits; larger ids travel only in RTA_TABLE.
  rt->rtm_table = route.table < 256 ? static_cast<unsigned char>(route.table)
                                    : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  if (type == RTM_NEWROUTE) {
    rt->rtm_protocol = RTPROT_STATIC;
    rt->rtm_scope = RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
  } else {
    // Unspecified protocol and "nowhere" scope match a route however it was added.
    rt->rtm_protocol = RTPROT_UNSPEC;
    rt->rtm_scope = RT_SCOPE_NOWHERE;
    rt->rtm_type = RTN_UNICAST;
  }
  if (route.prefix_length > 0) {
    request.Attribute(RTA_DST, route.dst.bytes, AddressLength(route.dst.family));
  }
  request.U32(RTA_OIF, route.ifindex);
  request.U32(RTA_TABLE, route.table);
  if (route.has_metric) request.U32(RTA_PRIORITY, route.metric);
  return request.Execute();
}

int RuleRequest(uint16_t type, uint16_t flags, const RuleConfig& rule) {
  Request request(type, flags);
  auto* hdr = request.Body<fib_rule_hdr>();
  hdr->family = Family(rule.family);
  hdr->table = rule.table < 256 ? static_cast<uint8_t>(rule.table)
                                  : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  hdr->action = FR_ACT_TO_TBL;
  if (rule.invert) hdr->flags |= FIB_RULE_INVERT;
  request.U32(FRA_TABLE, rule.table);
  if (rule.has_priority) request.U32(FRA_PRIORITY, rule.priority);
  if (rule.has_fwmark) {
    request.U32(FRA_FWMARK, rule.fwmark);
    request.U32(FRA_FWMASK, 0xffffffffu);
  }
  if (rule.has_suppress_prefix_length) {
    request.U32(FRA_SUPPRESS_PREFIXLEN, rule.suppress_prefix_length);
  }
  return request.Execute();
}

}  // namespace

int LinkSetMtu(uint32_t ifindex, uint32_t mtu) { return LinkChange(ifindex, 0, 0, &mtu); }

int LinkSetUp(uint32_t ifindex, bool up) {
  return LinkChange(ifindex, up ? IFF_UP : 0, IFF_UP, nullptr);
}

int LinkDelete(const std::string& name) {
  if (name.empty() || name.size() > kMaxInterfaceName) return EINVAL;
  Request request(RTM_DELLINK, 0);
  auto* info = request.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  // The kernel looks the link up by IFLA_IFNAME when no index is given.
  request.Attribute(IFLA_IFNAME, name.c_str(), name.size() + 1);
  return request.Execute();
}

uint32_t LinkIndex(const std::string& name) {
  if (name.empty() || name.size() > kMaxInterfaceName) return 0;
  return if_nametoindex(name.c_str());
}

int AddressAdd(uint32_t ifindex, const IpAddress& address, uint8_t prefix_length) {
  Request request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = request.Body<ifaddrmsg>();
  ifa->ifa_family = Family(address.family);
  ifa->ifa_prefixlen = prefix_length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  const size_t length = AddressLength(address.family);
  if (address.family == 4) {
    request.Attribute(IFA_LOCAL, address.bytes, length);
    request.Attribute(IFA_ADDRESS, address.bytes, length);
  } else {
    // No duplicate address detection: a tunnel address is ours by
    // definition, and DAD would leave it "tentative" (unusable) for seconds.
    ifa->ifa_flags = IFA_F_NODAD;
    request.Attribute(IFA_ADDRESS, address.bytes, length);
    request.U32(IFA_FLAGS, IFA_F_NODAD);
  }
  return request.Execute();
}

int RouteAdd(const RouteConfig& route) {
  return RouteRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);
}

int RouteDelete(const RouteConfig& route) { return RouteRequest(RTM_DELROUTE, 0, route); }

int RuleAdd(const RuleConfig& rule) {
  return RuleRequest(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule);
}

int RuleDelete(const RuleConfig& rule) { return RuleRequest(RTM_DELRULE, 0, rule); }

}  // namespace slipstream
