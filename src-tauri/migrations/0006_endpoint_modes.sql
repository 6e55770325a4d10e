-- Endpoint modes (SPEC §5): a test endpoint (added with a test key) receives test events only and
-- is seen by test keys only; a live endpoint (live key, CLI, dashboard) receives live and test
-- events and is seen by live keys only. Every endpoint so far was added by the owner or with
-- keys that could not be told apart: they become live, as the CLI's are.
ALTER TABLE webhook_endpoints ADD COLUMN livemode INTEGER NOT NULL DEFAULT 1;

-- "Send test event" now raises its webhook.test event in the endpoint's mode, so a test key
-- never reads a live endpoint's id in one; the ones already raised concerned (now live) endpoints.
UPDATE events SET livemode = 1, body = json_set(body, '$.livemode', json('true'))
    WHERE type = 'webhook.test' AND livemode = 0;
