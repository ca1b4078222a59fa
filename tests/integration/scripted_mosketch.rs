//! A scripted Mosketch for the fault tests: a listener, the handshake of a two-joint
//! character (Hips, Spine) as the spec gives it, and the packets the app sends back,
//! so each test then writes (or withholds) what it wants over a real socket.

use mayalink_engine::mosketch::codec::{JsonItem, JsonStreamCodec};
use mayalink_engine::mosketch::packet::{packet_objects, Packet};
use mayalink_engine::mosketch::wire::PacketReader;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

const LIMIT: Duration = Duration::from_secs(20);

/// One frame moving Spine.
pub const FRAME: &[u8] = b"{\"Type\":\"JointsStream\",\"Joints\":[{\"Name\":\"Spine\",\"Anatom\":5,\"R\":[0.0,0.6,0.0,0.8]}]}\n";

/// The next well-formed packet from the app (20 s at most).
pub async fn next_packet(reader: &mut PacketReader<OwnedReadHalf>) -> Packet {
    loop {
        match tokio::time::timeout(LIMIT, reader.next())
            .await
            .expect("a packet in time")
            .expect("open")
            .unwrap()
        {
            JsonItem::Value(v) => {
                return Packet::from_object(packet_objects(v).unwrap().remove(0)).unwrap()
            }
            JsonItem::Malformed(_) => continue,
        }
    }
}

/// Accepts one client and takes it through the handshake; the test then writes what it wants.
pub async fn handshaken(
    listener: &tokio::net::TcpListener,
) -> (PacketReader<OwnedReadHalf>, OwnedWriteHalf) {
    let (stream, _) = listener.accept().await.unwrap();
    let (rd, mut wr) = stream.into_split();
    let mut reader = PacketReader::new(rd, JsonStreamCodec::default(), None);
    wr.write_all(b"{\"Type\":\"Hierarchy\",\"Joints\":[\"Hips\",\"Spine\"]}\n")
        .await
        .unwrap();
    while !matches!(next_packet(&mut reader).await, Packet::HierarchyAck(_)) {}
    wr.write_all(b"{\"Type\":\"JointsUuids\",\"Joints\":[{\"Hips\":\"h\"},{\"Spine\":\"s\"}]}\n")
        .await
        .unwrap();
    assert_eq!(next_packet(&mut reader).await, Packet::JointsUuidsAck);
    (reader, wr)
}

/// A listener on a free loopback port, and that port.
pub async fn server() -> (tokio::net::TcpListener, u16) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}
