//! Which node errors mean "this block's state is no longer kept" (a non-archive node answers
//! state queries for only its last ~128 blocks). Such an answer is about the block asked for,
//! not about the node: callers narrow their search instead of failing over.

use alloy::transports::TransportError;

/// The wordings of the common clients, lowercase; each entry matches when all its parts occur.
const MISSING_STATE: &[&[&str]] = &[
    &["missing trie node"],               // geth (hash scheme)
    &["missingtrienode"],                 // nethermind's MissingTrieNodeException, in `data`
    &["header not found"],                // geth and providers, for blocks they no longer serve
    &["state", "not available"], // geth (path scheme) "historical state … is not available"
    &["state", "unavailable"], // "required historical state unavailable", besu "World state unavailable"
    &["no state available"],   // nethermind (-32002)
    &["prun"], // erigon "… not available due to pruning", reth "state at block #n is pruned"
    &["data before", "is not available"], // erigon 3 history
];

/// JSON-RPC "method not found": a missing API, never missing state.
const METHOD_NOT_FOUND: i64 = -32601;

/// Whether the node answered that the state asked for is gone (transport failures never are).
pub fn is_missing_state(e: &TransportError) -> bool {
    e.as_error_resp()
        .is_some_and(|p| missing_state(p.code, &p.message, p.data.as_ref().map(|d| d.get())))
}

/// The classifier on a JSON-RPC error's code, message and raw `data`.
fn missing_state(code: i64, message: &str, data: Option<&str>) -> bool {
    if code == METHOD_NOT_FOUND {
        return false;
    }
    let text = format!("{message} {}", data.unwrap_or_default()).to_lowercase();
    MISSING_STATE
        .iter()
        .any(|parts| parts.iter().all(|p| text.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_missing_state_answers_are_recognised() {
        for (code, message, data) in [
            (-32000, "missing trie node 3c2f6e1d9b0a47c8e5f2d1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0 (path ) state 0x3c2f6e1d9b0a47c8e5f2d1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0 is not available", None),
            (-32000, "missing trie node 3c2f…", None),
            (-32000, "header not found", None),
            (-32000, "historical state 0x9f1e… is not available", None),
            (-32000, "required historical state unavailable (reexec=128)", None),
            (-32002, "No state available for block 0x56c39d10e519eda9e8c0175c2f9d0c25ec41c18ddd870febcf6e05d5410327a7", None),
            (-32603, "Internal error", Some("\"Nethermind.Trie.MissingTrieNodeException: Node A: P:2 H:0x992e… is missing from the DB\"")),
            (-32000, "old data not available due to pruning", None),
            (-32000, "state at block #19000000 is pruned", None),
            (-32000, "World state unavailable", None),
            (-32000, "This request is not supported because your node is running with state pruning. Run with --pruning=archive.", None),
            (-32000, "state transitaion failed: seek with txNum=1962853355 but data before txNum=2662500000 is not available", None),
        ] {
            assert!(missing_state(code, message, data), "{message}");
        }
    }

    #[test]
    fn other_errors_are_not_missing_state() {
        for (code, message) in [
            (-32000, "execution reverted"),
            (-32005, "rate limit exceeded"),
            (
                -32601,
                "the method debug_traceTransaction does not exist/is not available",
            ),
            (-32602, "invalid argument 1: hex string without 0x prefix"),
            (-32000, "nonce too low"),
        ] {
            assert!(!missing_state(code, message, None), "{message}");
        }
    }

    #[test]
    fn only_an_error_answer_from_the_node_counts() {
        let geth: TransportError = TransportError::ErrorResp(
            serde_json::from_str(
                r#"{"code":-32000,"message":"missing trie node 3c2f… (path ) state 0x1a2b… is not available"}"#,
            )
            .unwrap(),
        );
        assert!(is_missing_state(&geth));
        let down = alloy::transports::TransportErrorKind::backend_gone();
        assert!(!is_missing_state(&down));
    }
}
