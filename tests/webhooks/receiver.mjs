// A back-office receiver written the way a merchant would: the official Standard Webhooks
// library for `webhook-*` headers, and plain HMAC (the Stripe / reference-docs recipe) for
// `X-Webhook-Signature`. Verifies every request with each secret in SECRETS (comma separated)
// and prints one JSON line per request. Used by tests/integration/webhooks.rs.
import http from "node:http";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";

const secrets = (process.env.SECRETS ?? "").split(",").filter(Boolean);

function verifyStripeStyle(header, body, secret) {
  const parts = header.split(",").map((p) => p.split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const expected = crypto.createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  return parts
    .filter(([k]) => k === "v1")
    .some(([, v]) => v.length === expected.length && crypto.timingSafeEqual(Buffer.from(v), Buffer.from(expected)));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const standard = secrets.map((s) => {
      try {
        new Webhook(s).verify(body, req.headers);
        return true;
      } catch {
        return false;
      }
    });
    const stripe = secrets.map((s) => verifyStripeStyle(req.headers["x-webhook-signature"] ?? "", body, s));
    let event = {};
    try {
      event = JSON.parse(body);
    } catch {}
    console.log(JSON.stringify({ id: event.id, type: event.type, standard, stripe }));
    const ok = standard.every(Boolean) && stripe.every(Boolean);
    res.writeHead(ok ? 200 : 400).end(ok ? "ok" : "bad signature");
  });
});

server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
