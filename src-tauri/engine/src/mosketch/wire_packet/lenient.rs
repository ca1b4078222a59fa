//! A joint field's numbers read without failing: [`Lenient`] says whether the value
//! was N numbers, null, a string or anything else.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// N numbers (a lone number for N = 1), null, or anything else (Bad), without failing.
pub(super) enum Lenient<const N: usize> {
    Null,
    Numbers([f64; N]),
    /// A string where numbers belong: kept, since a JointsUuids entry's key is a joint
    /// name, and a joint may be called "R", "T" or "Anatom".
    Text(String),
    Bad,
}

impl<'de, const N: usize> Deserialize<'de> for Lenient<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = Lenient<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{N} numbers")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient<N>, E> {
                Ok(Lenient::Null)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient<N>, E> {
                Ok(if N == 1 {
                    Lenient::Numbers([v; N])
                } else {
                    Lenient::Bad
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient<N>, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient<N>, E> {
                self.visit_f64(v as f64)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Lenient<N>, E> {
                Ok(Lenient::Bad)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient<N>, E> {
                Ok(Lenient::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient<N>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient::Bad)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient<N>, A::Error> {
                let mut out = [0.0; N];
                let mut n = 0;
                let mut ok = true;
                while let Some(x) = seq.next_element::<Number>()? {
                    match x.0 {
                        Some(v) if n < N => out[n] = v,
                        _ => ok = false,
                    }
                    n += 1;
                }
                Ok(if ok && n == N {
                    Lenient::Numbers(out)
                } else {
                    Lenient::Bad
                })
            }
        }
        d.deserialize_any(V::<N>)
    }
}

/// A number, or None for any other value (skipped).
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Number, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Number, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
        }
        d.deserialize_any(V)
    }
}
