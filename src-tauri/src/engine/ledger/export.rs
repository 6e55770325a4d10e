//! The CSV export of SPEC §8: RFC 4180, UTF-8, one row per session, newest first. The CLI
//! (`chaintill sessions export`) and the window's "Export CSV" write the same bytes through
//! [`write_csv`]; sessions are read a page at a time, so memory does not grow with the rows.

use super::{each_page, SessionFilter};
use crate::engine::checkout::model::CheckoutSession;
use crate::engine::{Error, Result, Service};
use std::io::Write;

/// The header row, exactly as SPEC §8 names the columns.
pub const HEADER: &str = "createdAt,id,status,livemode,network,chainId,asset,amount,amountReceived,amountDue,fiatAmount,fiatCurrency,rate,address,txHashes,paidAt,extraPayments,metadata";

/// Quotes a field when it holds a comma, a quote or a line break (RFC 4180).
fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// One session as a CSV record (without the line break).
pub fn record(s: &CheckoutSession) -> String {
    let tx_hashes: Vec<&str> = s.payments.iter().map(|p| p.tx_hash.as_str()).collect();
    let extra = s.payments.iter().filter(|p| p.extra).count();
    let metadata = serde_json::Value::Object(s.metadata.clone()).to_string();
    [
        s.created_at.as_str(),
        &s.id,
        s.status.as_str(),
        if s.livemode { "true" } else { "false" },
        &s.network.id,
        &s.network.chain_id.to_string(),
        &s.asset.symbol,
        &s.amount.value,
        &s.amount_received.value,
        &s.amount_due.value,
        &s.fiat.amount,
        &s.fiat.currency,
        &s.rate,
        &s.address,
        &tx_hashes.join(" "),
        s.paid_at.as_deref().unwrap_or(""),
        &extra.to_string(),
        &metadata,
    ]
    .iter()
    .map(|f| field(f))
    .collect::<Vec<_>>()
    .join(",")
}

/// Writes the export of the sessions matching `filter` to `out`; returns the number of rows.
pub async fn write_csv(svc: &Service, filter: &SessionFilter, out: &mut impl Write) -> Result<u64> {
    let io = |e: std::io::Error| Error::Internal(format!("cannot write the export: {e}"));
    out.write_all(HEADER.as_bytes()).map_err(io)?;
    out.write_all(b"\r\n").map_err(io)?;
    let mut rows = 0;
    each_page(svc, filter, |page| {
        for s in page {
            out.write_all(record(s).as_bytes()).map_err(io)?;
            out.write_all(b"\r\n").map_err(io)?;
            rows += 1;
        }
        Ok(())
    })
    .await?;
    out.flush().map_err(io)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_rfc_4180_needs_it() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(
            field("{\"orderId\":\"1\"}"),
            "\"{\"\"orderId\"\":\"\"1\"\"}\""
        );
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
