// UDP sends on Windows: one WSASendMsg per datagram, or with UDP send offload
// (USO, UDP_SEND_MSG_SIZE) a run of equal segments per call where the stack
// takes it; a refusal (WSAEINVAL, WSAEMSGSIZE, ...) is remembered per socket
// through the caller's flag and the rest goes one datagram per send.
#include "udp_windows.h"

#include "../segmented_send.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace slipstream {
namespace {

using winudp::Destination;
using winudp::LastError;
using winudp::Resolve;

// One WSASendMsg; with segment > 0 it carries UDP_SEND_MSG_SIZE (USO).
int SendMsg(const Destination& d, const uint8_t* data, size_t length, DWORD segment,
            UdpCounters* counters) {
  WSABUF buffer;
  buffer.buf = reinterpret_cast<char*>(const_cast<uint8_t*>(data));
  buffer.len = static_cast<ULONG>(length);
  alignas(winsock::CmsgHeader) char control[winsock::CmsgSpace(sizeof(DWORD))];
  std::memset(control, 0, sizeof control);
  WSAMSG m;
  std::memset(&m, 0, sizeof m);
  m.name = reinterpret_cast<LPSOCKADDR>(const_cast<sockaddr_storage*>(&d.addr));
  m.namelen = d.length;
  m.lpBuffers = &buffer;
  m.dwBufferCount = 1;
  if (segment > 0) {
    m.Control.buf = control;
    m.Control.len = sizeof control;
    auto* c = winsock::CmsgFirst(m);
    c->cmsg_level = IPPROTO_UDP;
    c->cmsg_type = UDP_SEND_MSG_SIZE;
    c->cmsg_len = winsock::CmsgLen(sizeof(DWORD));
    std::memcpy(winsock::CmsgData(c), &segment, sizeof segment);
  }
  for (;;) {
    ++counters->send_syscalls;
    DWORD sent = 0;
    if (WSASendMsg(d.s, &m, 0, &sent, nullptr, nullptr) == 0) return 0;
    const int err = LastError();
    if (err != EINTR) return err;
  }
}

// Errors with which a stack says "no USO here" (or not for this path).
bool RefusesUso(int err) {
  return err == EINVAL || err == EMSGSIZE || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

// The datagrams one per send (no USO).
int SendRun(const Destination& d, const uint8_t* data, size_t length, size_t segment,
            UdpCounters* counters) {
  for (size_t at = 0; at < length; at += segment) {
    const int err = SendMsg(d, data + at, std::min(segment, length - at), 0, counters);
    if (err != 0) return err;
    ++counters->datagrams_sent;
  }
  return 0;
}

}  // namespace

int UdpSend(const UdpInfo& sockets, const uint8_t* data, size_t length, const IpAddress& to,
            uint16_t port) {
  Destination d;
  const int err = Resolve(sockets, to, port, &d);
  if (err != 0) return err;
  UdpCounters ignored;
  return SendMsg(d, data, length, 0, &ignored);
}

int UdpSendSegments(const UdpInfo& sockets, const uint8_t* data, size_t length,
                    size_t segment_size, const IpAddress& to, uint16_t port, bool* gso,
                    UdpCounters* counters) {
  if (segment_size == 0 || length == 0) return EINVAL;
  Destination d;
  int err = Resolve(sockets, to, port, &d);
  if (err == 0 && segment_size > d.max_payload) err = EMSGSIZE;
  if (err != 0) {
    ++counters->send_errors;
    return err;
  }
  return SendSegmented(
      data, length, segment_size, d.max_payload, gso, counters,
      [&](const uint8_t* p, size_t n, size_t segment) {
        return SendMsg(d, p, n, static_cast<DWORD>(segment), counters);
      },
      RefusesUso,
      [&](const uint8_t* p, size_t n, size_t segment) { return SendRun(d, p, n, segment, counters); });
}

int UdpSendMany(const UdpInfo& sockets, const OutgoingDatagram* datagrams, size_t count,
                size_t* sent, UdpCounters* counters) {
  *sent = 0;
  int first_error = 0;
  for (size_t i = 0; i < count; ++i) {
    Destination d;
    int err = Resolve(sockets, datagrams[i].to, datagrams[i].port, &d);
    if (err == 0) err = SendMsg(d, datagrams[i].data, datagrams[i].length, 0, counters);
    if (err == 0) {
      ++*sent;
      ++counters->datagrams_sent;
      continue;
    }
    if (first_error == 0) first_error = err;
    if (err == EAGAIN) {
      // The socket buffer is full: what is left would only fail again.
      counters->send_errors += count - i;
      return EAGAIN;
    }
    ++counters->send_errors;
  }
  return first_error;
}

}  // namespace slipstream
