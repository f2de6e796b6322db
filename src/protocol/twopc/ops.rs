//! Two-phase commit's client operations: the register operations (each a one-participant
//! transaction) and a **transfer** of an amount between two bank accounts, a multi-key
//! transaction that commits at both account owners or at neither. A transfer is not a register
//! operation: the register checkers skip it (see `core::ops`), and this protocol's invariants
//! (atomicity, money conserved) judge it instead.

use crate::core::ops::{
    ClientOp, ClientOperation, ClientReply, ClientResult, Draw, LinkRead, LinkWrite, OwnOp, RegisterFields,
};
use crate::core::Value;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// A 2PC client operation: a register operation or a transfer between two accounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawTxnOp")]
pub enum TwoPcOp {
    /// A read, write or compare-and-set of one key (a one-participant transaction).
    Register(ClientOp),
    /// Move `amount` from account `from` to account `to`, atomically, or not at all.
    Transfer { from: String, to: String, amount: Value },
}

/// 2PC's answers: a register answer, or the transaction was aborted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwoPcResult {
    /// What a register operation answers (a transfer that commits answers `WriteOk`).
    Register(ClientResult),
    /// A transaction was aborted (a participant voted No, or the coordinator gave up on a vote):
    /// definitely not applied; the client does not retry it.
    Aborted { reason: String },
}

/// Name of bank account number `i`: `A`, `B`, … `Z`, then `A26`, ….
pub fn account_name(i: u32) -> String {
    if i < 26 {
        char::from(b'A' + i as u8).to_string()
    } else {
        format!("A{i}")
    }
}

impl TwoPcOp {
    /// True for a transfer (a transaction over two keys the register checkers do not model).
    pub fn is_multi_key(&self) -> bool {
        matches!(self, TwoPcOp::Transfer { .. })
    }
}

impl From<ClientOp> for TwoPcOp {
    fn from(op: ClientOp) -> TwoPcOp {
        TwoPcOp::Register(op)
    }
}

impl From<ClientResult> for TwoPcResult {
    fn from(r: ClientResult) -> TwoPcResult {
        TwoPcResult::Register(r)
    }
}

/// Hashed as the one operation enum of earlier versions hashed it (read 0, write 1, cas 2,
/// transfer 3, then the fields), so trace hashes of 2PC runs did not change with the move.
impl Hash for TwoPcOp {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            TwoPcOp::Register(op) => op.hash(h),
            TwoPcOp::Transfer { from, to, amount } => {
                3isize.hash(h);
                from.hash(h);
                to.hash(h);
                amount.hash(h);
            }
        }
    }
}

/// As [`TwoPcOp`]'s: `Aborted` was answer 6 after the six register answers.
impl Hash for TwoPcResult {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            TwoPcResult::Register(r) => r.hash(h),
            TwoPcResult::Aborted { reason } => {
                6isize.hash(h);
                reason.hash(h);
            }
        }
    }
}

/// The JSON op shape: `{"f": "transfer", "from": "A", "to": "B", "amount": 10}`.
impl Serialize for TwoPcOp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TwoPcOp::Register(op) => op.serialize(s),
            TwoPcOp::Transfer { from, to, amount } => {
                let mut st = s.serialize_struct("TwoPcOp", 4)?;
                st.serialize_field("f", "transfer")?;
                st.serialize_field("from", from)?;
                st.serialize_field("to", to)?;
                st.serialize_field("amount", amount)?;
                st.end()
            }
        }
    }
}

/// `{"r": "aborted", "reason": …}` beside the register answers.
impl Serialize for TwoPcResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TwoPcResult::Register(r) => r.serialize(s),
            TwoPcResult::Aborted { reason } => {
                let mut st = s.serialize_struct("TwoPcResult", 2)?;
                st.serialize_field("r", "aborted")?;
                st.serialize_field("reason", reason)?;
                st.end()
            }
        }
    }
}

/// Read back what [`TwoPcResult`]'s `Serialize` writes: `{"r": "aborted", "reason": …}`, or a
/// register answer.
impl<'de> Deserialize<'de> for TwoPcResult {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TwoPcResult, D::Error> {
        #[derive(Deserialize)]
        enum AbortedTag {
            #[serde(rename = "aborted")]
            Aborted,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Aborted {
                #[allow(dead_code)] // only its value "aborted" matters
                r: AbortedTag,
                reason: String,
            },
            Register(ClientResult),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Aborted { reason, .. } => TwoPcResult::Aborted { reason },
            Raw::Register(r) => TwoPcResult::Register(r),
        })
    }
}

/// A field that is a number for some operations and an account for others (`from` is a value
/// in `cas` and an account in `transfer`).
enum Scalar {
    Int(Value),
    Text(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number or a key")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Scalar, E> {
                i64::try_from(n).map(Scalar::Int).map_err(|_| E::custom(format!("{n} is too large")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(s.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The flat JSON shape of a [`TwoPcOp`] (a plain struct: see `core::ops`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTxnOp {
    f: String,
    key: Option<String>,
    value: Option<Value>,
    from: Option<Scalar>,
    to: Option<Scalar>,
    amount: Option<Value>,
}

const NAMES: &[&str] = &["read", "write", "cas", "transfer"];
const SHAPES: &str = "read: key; write: key, value; cas: key, from, to; transfer: from, to, amount (accounts)";

impl TryFrom<RawTxnOp> for TwoPcOp {
    type Error = String;
    fn try_from(r: RawTxnOp) -> Result<TwoPcOp, String> {
        let f = r.f.as_str();
        if f != "transfer" {
            if f == "cas" && r.key.is_none() {
                return Err("operation 'cas' needs `key`".into());
            }
            // A number where a register operation takes one; an account name in a field only a
            // transfer takes is reported as a field the operation does not take.
            let num = |v: &Option<Scalar>, name: &str| match v {
                Some(Scalar::Int(n)) => Ok(Some(*n)),
                Some(Scalar::Text(t)) if f == "cas" => {
                    Err(format!("operation '{f}' needs `{name}` to be a number, not \"{t}\""))
                }
                Some(Scalar::Text(_)) => Ok(Some(0)),
                None => Ok(None),
            };
            let (from, to) = (num(&r.from, "from")?, num(&r.to, "to")?);
            let fields =
                RegisterFields { f: r.f.clone(), key: r.key, value: r.value, from, to, other: r.amount.is_some() };
            return fields.into_op(NAMES, SHAPES).map(TwoPcOp::Register);
        }
        let text = |v: &Option<Scalar>, name: &str| match v {
            Some(Scalar::Text(t)) if !t.is_empty() => Ok(t.clone()),
            Some(_) => Err(format!("operation '{f}' needs `{name}` to be an account name such as \"A\"")),
            None => Err(format!("operation '{f}' needs `{name}`")),
        };
        let from = text(&r.from, "from")?;
        let to = text(&r.to, "to")?;
        let amount = r.amount.ok_or(format!("operation '{f}' needs `amount`"))?;
        if amount <= 0 {
            return Err(format!("transfer amount {amount} must be a positive whole number"));
        }
        if from == to {
            return Err(format!("transfer from {from} to itself: `from` and `to` must differ"));
        }
        if r.key.is_some() || r.value.is_some() {
            return Err(format!("operation '{f}' given a field it does not take ({SHAPES})"));
        }
        Ok(TwoPcOp::Transfer { from, to, amount })
    }
}

impl ClientOperation for TwoPcOp {
    type Result = TwoPcResult;
    const NAMES: &'static [&'static str] = NAMES;
    const LINK_CODES: &'static str = "0 read, 1 write, 2 cas, 3 transfer";
    const REGISTER_ONLY: bool = false;
    const OWN: Option<OwnOp> =
        Some(OwnOp { name: "transfer", one: "a multi-key transaction", many: "multi-key transactions" });

    fn as_register(&self) -> Option<&ClientOp> {
        match self {
            TwoPcOp::Register(op) => Some(op),
            TwoPcOp::Transfer { .. } => None,
        }
    }
    fn label(&self) -> String {
        match self {
            TwoPcOp::Register(op) => op.label(),
            TwoPcOp::Transfer { from, to, amount } => format!("transfer {amount} {from}→{to}"),
        }
    }
    fn key(&self) -> &str {
        match self {
            TwoPcOp::Register(op) => op.key(),
            TwoPcOp::Transfer { from, .. } => from,
        }
    }
    fn keys(&self) -> Vec<&str> {
        match self {
            TwoPcOp::Register(op) => vec![op.key()],
            TwoPcOp::Transfer { from, to, .. } => vec![from, to],
        }
    }
    fn is_mutation(&self) -> bool {
        match self {
            TwoPcOp::Register(op) => op.is_mutation(),
            TwoPcOp::Transfer { .. } => true,
        }
    }
    fn jepsen(&self, quote: fn(&str) -> String) -> (&'static str, String) {
        match self {
            TwoPcOp::Register(op) => op.jepsen(quote),
            TwoPcOp::Transfer { to, amount, .. } => ("transfer", format!("[{} {amount}]", quote(to))),
        }
    }
    fn write_link(&self, w: &mut dyn LinkWrite) {
        match self {
            TwoPcOp::Register(op) => op.write_link(w),
            TwoPcOp::Transfer { from, to, amount } => {
                w.uint(3);
                w.text(from);
                w.text(to);
                w.int(*amount);
            }
        }
    }
    fn read_link(code: u64, r: &mut dyn LinkRead) -> Result<Option<Self>, String> {
        if code == 3 {
            return Ok(Some(TwoPcOp::Transfer { from: r.text()?, to: r.text()?, amount: r.int()? }));
        }
        Ok(ClientOp::read_link(code, r)?.map(TwoPcOp::Register))
    }
    fn workload_key(i: u32) -> String {
        account_name(i)
    }
    fn draw_own(draw: &mut dyn Draw, keys: u32, max: Value) -> Option<Self> {
        // Two different accounts (the scenario check asks for at least two keys).
        let k = keys.max(2);
        let a = draw.u32_in(0, k - 1);
        let b = (a + draw.u32_in(1, k - 1)) % k;
        Some(TwoPcOp::Transfer { from: account_name(a), to: account_name(b), amount: draw.value_in(1, max) })
    }
}

impl ClientReply for TwoPcResult {
    fn as_register(&self) -> Option<&ClientResult> {
        match self {
            TwoPcResult::Register(r) => Some(r),
            TwoPcResult::Aborted { .. } => None,
        }
    }
    fn label(&self) -> String {
        match self {
            TwoPcResult::Register(r) => r.label(),
            TwoPcResult::Aborted { reason } => format!("aborted: {reason}"),
        }
    }
    fn failed(&self) -> bool {
        match self {
            TwoPcResult::Register(r) => r.failed(),
            TwoPcResult::Aborted { .. } => true,
        }
    }
    fn outcome_text(&self) -> String {
        match self {
            TwoPcResult::Register(r) => r.outcome_text(),
            TwoPcResult::Aborted { reason } => format!("aborted: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape parses back to itself, and the register names stay the register ones.
    #[test]
    fn json_shape_round_trips() {
        for text in [
            r#"{"f":"transfer","from":"A","to":"B","amount":10}"#,
            r#"{"f":"cas","key":"x","from":1,"to":2}"#,
            r#"{"f":"read","key":"A"}"#,
        ] {
            let op = TwoPcOp::from_json(text).unwrap();
            assert_eq!(serde_json::to_string(&op).unwrap(), text);
        }
        assert_eq!(&NAMES[..3], crate::core::ops::REGISTER_NAMES);
    }

    /// Answers read back as written (`pkg/export/` exports a history from its JSON): an
    /// abort keeps its reason, a register answer stays one, and an unknown `r` is refused.
    #[test]
    fn answers_round_trip() {
        for r in [
            TwoPcResult::Aborted { reason: "participant n2 voted No".into() },
            TwoPcResult::Register(ClientResult::ReadOk { value: Some(3) }),
            TwoPcResult::Register(ClientResult::CasFailed { current: None }),
            TwoPcResult::Register(ClientResult::WriteOk),
        ] {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<TwoPcResult>(&text).unwrap(), r, "{text}");
        }
        assert!(serde_json::from_str::<TwoPcResult>(r#"{"r":"maybe"}"#).is_err());
    }
}
