//! Typed reading against the `Value` path: one-pass frames, bad fields that keep the
//! type but make the packet malformed, and every packet kind.

use super::*;
use crate::mosketch::packet::{JointSample, Packet};
use serde_json::json;

fn item(text: &str) -> WireItem {
    serde_json::from_str(text).unwrap()
}

fn packet(text: &str) -> Result<Packet, String> {
    let mut ps = item(text).packets()?;
    assert_eq!(ps.len(), 1);
    ps.remove(0).into_packet()
}

#[test]
fn frames_are_typed_in_one_pass() {
    let p = packet(
        r#"{"Type":"JointsStream","Joints":[{"Name":"Hips","Anatom":7,"R":[0,0.1,0,0.99],"T":[1,2,3]},{"Name":"Spine","R":null}]}"#,
    );
    let Ok(Packet::JointsStream(j)) = p else {
        panic!("{p:?}")
    };
    assert_eq!(
        j[0],
        JointSample {
            name: "Hips".into(),
            anatom: Some(7),
            r: Some([0.0, 0.1, 0.0, 0.99]),
            t: Some([1.0, 2.0, 3.0])
        }
    );
    assert_eq!(j[1].r, None);
}

#[test]
fn bad_fields_keep_the_type_but_make_the_packet_malformed() {
    for text in [
        r#"{"Type":"JointsStream","Joints":[{"Name":"a","R":[1,2]}]}"#,
        r#"{"Type":"JointsStream","Joints":[{"Name":"a","T":"x"}]}"#,
        r#"{"Type":"JointsStream","Joints":[{"Name":"a","Anatom":5.5}]}"#,
        r#"{"Type":"JointsStream","Joints":[{"R":[0,0,0,1]}]}"#,
        r#"{"Type":"JointsStream","Joints":[{"Name":"a","R":[0,0,"z",1]}]}"#,
        r#"{"Type":"JointsStream","Joints":[7]}"#,
        r#"{"Type":"JointsStream"}"#,
    ] {
        let mut ps = item(text).packets().unwrap();
        assert_eq!(ps[0].type_name(), Some("JointsStream"), "{text}");
        assert!(ps.remove(0).into_packet().is_err(), "{text}");
    }
    assert!(packet(r#"{"Type":5}"#).is_err());
    assert!(packet(r#"{"Name":"x"}"#).is_err());
    assert!(item("42").packets().is_err());
    assert!(item("[1]").packets().is_err());
}

#[test]
fn agrees_with_the_value_path_on_every_packet_kind() {
    let samples = [
        json!({"Joints":["Hips","Spine"],"Type":"Hierarchy","Parents":[null,"Hips"],"Units":"cm"}),
        json!({"Type":"Hierarchy","Joints":[{"Name":"Hips","T":[0,1,0]},{"Name":"Spine","Parent":"Hips","R":[0,0,0,1]}]}),
        json!({"Type":"JointsUuids","Joints":[{"Hips":"a"},{"Spine":12}]}),
        json!({"Type":"JointsUuids","Joints":{"Hips":"a"}}),
        json!({"Type":"JointsUuids","Joints":[{"R":"u1"},{"T":"u2"},{"Anatom":"u3"}]}),
        json!({"Type":"NetCommand","object":"scene","command":"x","parameters":{"a":"1","b":2}}),
        json!({"Type":"HierarchyInitializedAck"}),
        json!({"Type":"JointsStreamAck"}),
        json!({"Type":"SceneInfo","x":{"deep":[1,2]}}),
    ];
    for v in samples {
        let typed = item(&v.to_string())
            .packets()
            .unwrap()
            .remove(0)
            .into_packet()
            .unwrap();
        let from_value = Packet::from_object(v.clone()).unwrap();
        assert_eq!(typed, from_value, "{v}");
    }
    assert_eq!(
        item(r#"[{"Type":"a"},{"Type":"b"}]"#)
            .packets()
            .unwrap()
            .len(),
        2
    );
}
