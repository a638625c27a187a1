/**
 * A season against a live `footcore serve`, through the typed client: an athlete added, a
 * week of check-ins, a retry answered from the store, a changed retry refused with 409
 * problem details, a decision explained with its "why not", the plan, and no token 401.
 *
 * The server and a token with the read and write scopes come from FOOTCORE_URL and
 * FOOTCORE_TOKEN (tests/test_typescript_client.py starts one and sets them).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { type CheckIn, type Decision, footcore } from "../src/client.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the server's URL and a read,write token`);
  return value;
}

const url = required("FOOTCORE_URL");
const client = footcore(url, required("FOOTCORE_TOKEN"));
const start = "2026-01-05";

function day(offset: number): string {
  const date = new Date(`${start}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}

/** A week as an app sends it: three sessions done, one missed, each with its own id. */
const week: CheckIn[] = [
  { id: "c-1", on: day(1), completed: true, minutes: 16 },
  { id: "c-3", on: day(3), completed: true, minutes: 18 },
  { id: "c-5", on: day(5), completed: false },
  { id: "c-6", on: day(6), completed: true, minutes: 15,
    symptoms: [{ kind: "soreness", location: "arch", severity: 2 }] },
];

test("a season through the typed client", async (t) => {
  const athleteId = `ts-${process.pid}-${Date.now()}`;
  const paths = { params: { path: { athlete_id: athleteId } } };
  const decisions: Decision[] = [];

  await t.test("an athlete is added, and a body off the schema is refused", async () => {
    const made = await client.POST("/v1/athletes", {
      body: { id: athleteId, goal: "runner", start },
    });
    assert.equal(made.response.status, 201);
    assert.equal(made.data?.athlete_id, athleteId);
    assert.equal(made.data?.started_on, start);
    const wrong = await client.POST("/v1/athletes", {
      // @ts-expect-error "marathon" is no goal of the OpenAPI document: tsc refuses it
      body: { id: `${athleteId}-x`, goal: "marathon", start },
    });
    assert.equal(wrong.response.status, 400);
    assert.equal(wrong.error?.code, "invalid-input");
    assert.equal(wrong.error?.field, "$.goal");
  });

  await t.test("a week of check-ins, each decided once", async () => {
    for (const checkin of week) {
      const answer = await client.POST("/v1/athletes/{athlete_id}/checkins",
                                       { ...paths, body: checkin });
      assert.equal(answer.response.status, 201, JSON.stringify(answer.error));
      assert.ok(answer.data);
      assert.equal(answer.data.checkin?.id, checkin.id);
      assert.equal(answer.data.state.last_checkin_on, checkin.on);
      const before = decisions.at(-1);
      if (before) assert.deepEqual(answer.data.prior_state, before.state);
      decisions.push(answer.data);
    }
    const state = await client.GET("/v1/athletes/{athlete_id}", paths);
    assert.deepEqual(state.data, decisions.at(-1)?.state);
  });

  await t.test("a retry gets the stored decision, changed content a 409", async () => {
    const [first] = week;
    assert.ok(first && decisions[0]);
    const retry = await client.POST("/v1/athletes/{athlete_id}/checkins",
                                    { ...paths, body: first });
    assert.equal(retry.response.status, 200);
    assert.deepEqual(retry.data, decisions[0]);
    const changed = await client.POST("/v1/athletes/{athlete_id}/checkins",
                                      { ...paths, body: { ...first, minutes: 25 } });
    assert.equal(changed.response.status, 409);
    assert.equal(changed.response.headers.get("content-type"), "application/problem+json");
    assert.equal(changed.data, undefined);
    assert.equal(changed.error?.status, 409);
    assert.equal(changed.error?.code, "checkin-conflict");
    assert.equal(changed.error?.field, "CheckIn.id");
    assert.match(changed.error?.detail ?? "", /minutes/);
    const page = await client.GET("/v1/athletes/{athlete_id}/decisions", paths);
    assert.deepEqual(page.data?.records.map((r) => r.decision), decisions);
  });

  await t.test("each decision explained, with why not", async () => {
    let waiting = 0;
    for (const [index, decision] of decisions.entries()) {
      const explained = await client.GET(
        "/v1/athletes/{athlete_id}/decisions/{record}/explain",
        { params: { path: { athlete_id: athleteId, record: index + 1 } } });
      assert.equal(explained.response.status, 200);
      assert.ok(explained.data);
      const body = explained.data;
      assert.equal(body.action, decision.action);
      assert.ok(Array.isArray(body.why_not));
      // The explanation's "why not" names the rules the decision says did not fire.
      const named = body.why_not.map((w: { rule_id?: unknown }) => w.rule_id);
      assert.deepEqual(named, (decision.why_not ?? []).map((w) => w.rule_id));
      waiting += named.length;
    }
    assert.ok(waiting > 0, "a first week leaves some rule that raises the load waiting");
  });

  await t.test("the plan is the week the last decision made", async () => {
    const plan = await client.GET("/v1/athletes/{athlete_id}/plan", paths);
    assert.equal(plan.response.status, 200);
    const last = decisions.at(-1);
    assert.ok(plan.data && last);
    // The decision's plan adds the cues of the rules that decided it; the week is the same.
    assert.deepEqual({ ...plan.data, cues: [] }, { ...last.plan, cues: [] });
    assert.ok(plan.data.sessions.length > 0);
  });

  await t.test("without a token: 401 problem details", async () => {
    const answer = await footcore(url).GET("/v1/athletes/{athlete_id}", paths);
    assert.equal(answer.response.status, 401);
    assert.match(answer.response.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal(answer.error?.code, "unauthorized");
    assert.equal(answer.data, undefined);
  });
});
