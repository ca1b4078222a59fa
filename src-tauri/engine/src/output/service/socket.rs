//! The UDP socket: binding it with a large receive buffer ([`ListenerInfo`]), and
//! the address a helper must send to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The open socket, while at least one session is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerInfo {
    pub local_addr: SocketAddr,
    /// SO_RCVBUF as the OS reports it after our request (Linux reports double the
    /// usable size and caps the request at `net.core.rmem_max`).
    pub recv_buffer: usize,
    pub recv_buffer_requested: usize,
}

/// Binds the UDP socket with a large receive buffer.
pub(super) fn bind(
    addr: SocketAddr,
    recv_buffer: usize,
) -> std::io::Result<(std::net::UdpSocket, ListenerInfo)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        // Also accept IPv4 Mayas on a dual-stack "[::]" listener.
        let _ = s.set_only_v6(false);
    }
    if let Err(e) = s.set_recv_buffer_size(recv_buffer) {
        tracing::info!("output listener: could not set SO_RCVBUF to {recv_buffer}: {e}");
    }
    s.bind(&addr.into())?;
    s.set_nonblocking(true)?;
    let granted = s.recv_buffer_size().unwrap_or(0);
    let sock: std::net::UdpSocket = s.into();
    let local_addr = sock.local_addr()?;
    Ok((
        sock,
        ListenerInfo {
            local_addr,
            recv_buffer: granted,
            recv_buffer_requested: recv_buffer,
        },
    ))
}

/// The address a helper on `peer` must send to, for a listener bound to `local`.
pub(super) fn advertised_addr(local: SocketAddr, peer: IpAddr) -> SocketAddr {
    if !local.ip().is_unspecified() {
        return local;
    }
    let peer = peer.to_canonical();
    let ip = if peer.is_loopback() {
        match peer {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    } else {
        // The local address the route to Maya uses (no packet is sent by connect()).
        route_local_ip(peer).unwrap_or(local.ip())
    };
    SocketAddr::new(ip, local.port())
}

fn route_local_ip(peer: IpAddr) -> Option<IpAddr> {
    let any: SocketAddr = match peer {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let s = std::net::UdpSocket::bind(any).ok()?;
    s.connect((peer, 9)).ok()?;
    Some(s.local_addr().ok()?.ip())
}
