import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRegistrationSetting } from "../src/services/registration";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";

const roleOf = async (h: Harness, id: number) =>
  (await h.deps.db.select({ role: schema.users.role }).from(schema.users).where(eq(schema.users.id, id)))[0]?.role;

const auditActions = async (h: Harness) =>
  (await h.deps.db.select({ action: schema.auditLog.action }).from(schema.auditLog)).map((r) => r.action);

describe.each(drivers)("registration policy on %s", (driver) => {
  let h: Harness;
  let admin: Caller;
  let member: Caller;
  beforeAll(async () => {
    h = await createHarness(driver);
    const first = await h.signUp("first");
    admin = first.caller;
    member = (await h.signUp("second")).caller;
  });
  afterAll(() => h?.dispose());

  it("makes the server's first account its administrator, and only the first", async () => {
    const rows = await h.deps.db
      .select({ username: schema.users.username, role: schema.users.role })
      .from(schema.users);
    expect(rows.filter((r) => r.role === "admin").map((r) => r.username)).toEqual(["first"]);
  });

  it("is open on a new server and says so to anyone", async () => {
    expect(await h.anonymous.registration.state()).toEqual({ policy: "open" });
  });

  it("is administrators' to set: anyone else gets NOT_FOUND and changes nothing", async () => {
    const before = await h.counts();
    await expectTrpcError(member.registration.setPolicy({ policy: "closed" }), "NOT_FOUND");
    await expectTrpcError(h.anonymous.registration.setPolicy({ policy: "closed" }), "NOT_FOUND");
    await expectTrpcError(member.registration.createInvite({}), "NOT_FOUND");
    await expectTrpcError(member.registration.invites(), "NOT_FOUND");
    expect(await h.counts()).toEqual(before);
    expect(await h.anonymous.registration.state()).toEqual({ policy: "open" });
  });

  it("refuses every registration while closed, with words that say so, and records the change", async () => {
    expect(await admin.registration.setPolicy({ policy: "closed" })).toEqual({ policy: "closed" });
    const before = await h.counts();
    await expectTrpcError(
      h.anonymous.auth.register({ username: "latecomer", password: "correct horse" }),
      "FORBIDDEN",
      /registration is closed/,
    );
    expect(await h.counts()).toEqual(before);
    expect(await auditActions(h)).toContain("registration.changed");
    await admin.registration.setPolicy({ policy: "open" });
  });

  it("by invite: a single-use link creates one account, then no more", async () => {
    await admin.registration.setPolicy({ policy: "invite" });
    await expectTrpcError(
      h.anonymous.auth.register({ username: "nolink", password: "correct horse" }),
      "FORBIDDEN",
      /needs an invite link/,
    );
    const invite = await admin.registration.createInvite({});
    expect(invite).toMatchObject({ maxUses: 1, uses: 0, state: "active", path: `/signup?invite=${invite.token}` });
    expect(await h.anonymous.registration.state({ invite: invite.token })).toEqual({
      policy: "invite",
      inviteValid: true,
    });
    const session = await h.anonymous.auth.register({
      username: "invited",
      password: "correct horse",
      invite: invite.token,
    });
    expect(await roleOf(h, session.user.id)).toBe("member");
    const before = await h.counts();
    await expectTrpcError(
      h.anonymous.auth.register({ username: "second-use", password: "correct horse", invite: invite.token }),
      "FORBIDDEN",
      /used up/,
    );
    expect(await h.counts()).toEqual(before);
    expect(await h.anonymous.registration.state({ invite: invite.token })).toEqual({
      policy: "invite",
      inviteValid: false,
    });
    const [listed] = await admin.registration.invites();
    expect(listed).toMatchObject({ id: invite.id, uses: 1, state: "used-up" });
    await admin.registration.setPolicy({ policy: "open" });
  });

  it("by invite: a taken name does not use the link up", async () => {
    await admin.registration.setPolicy({ policy: "invite" });
    const invite = await admin.registration.createInvite({ maxUses: 1 });
    await expectTrpcError(
      h.anonymous.auth.register({ username: "second", password: "correct horse", invite: invite.token }),
      "CONFLICT",
    );
    await h.anonymous.auth.register({ username: "still-valid", password: "correct horse", invite: invite.token });
    await admin.registration.setPolicy({ policy: "open" });
  });

  it("by invite: an expired, revoked or unknown link is refused", async () => {
    await admin.registration.setPolicy({ policy: "invite" });
    const expiring = await admin.registration.createInvite({ expiresInHours: 1, maxUses: 5 });
    const revoked = await admin.registration.createInvite({ maxUses: 5 });
    expect(await admin.registration.revokeInvite({ id: revoked.id })).toMatchObject({ state: "revoked" });
    await h.deps.db
      .update(schema.registrationInvites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.registrationInvites.id, expiring.id));
    for (const token of [expiring.token, revoked.token, "no-such-invite-anywhere"]) {
      await expectTrpcError(
        h.anonymous.auth.register({ username: `x${token.slice(0, 6)}`, password: "correct horse", invite: token }),
        "FORBIDDEN",
        /not valid/,
      );
    }
    await expectTrpcError(admin.registration.revokeInvite({ id: 987654 }), "NOT_FOUND");
    await admin.registration.setPolicy({ policy: "open" });
  });

  it("revoking a revoked link, or setting the policy it has, changes nothing and records nothing", async () => {
    const invite = await admin.registration.createInvite({ maxUses: 2 });
    const first = await admin.registration.revokeInvite({ id: invite.id });
    const records = await h.deps.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.targetId, String(invite.id)));
    expect(records.filter((r) => r.action === "invite.revoked")).toHaveLength(1);
    const [again, atOnce] = await Promise.all([
      admin.registration.revokeInvite({ id: invite.id }),
      admin.registration.revokeInvite({ id: invite.id }),
    ]);
    expect(again).toEqual(first);
    expect(atOnce).toEqual(first);
    const after = await h.deps.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.targetId, String(invite.id)));
    expect(after.filter((r) => r.action === "invite.revoked")).toHaveLength(1);

    // Two first revokes at once: one record, the other sees it revoked.
    const fresh = await admin.registration.createInvite({ maxUses: 2 });
    await Promise.all([
      admin.registration.revokeInvite({ id: fresh.id }),
      admin.registration.revokeInvite({ id: fresh.id }),
    ]);
    const freshRecords = await h.deps.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.targetId, String(fresh.id)));
    expect(freshRecords.filter((r) => r.action === "invite.revoked")).toHaveLength(1);

    const policyRecords = (await auditActions(h)).filter((a) => a === "registration.changed").length;
    const policy = (await h.anonymous.registration.state()).policy;
    await admin.registration.setPolicy({ policy });
    expect((await auditActions(h)).filter((a) => a === "registration.changed")).toHaveLength(policyRecords);
  });

  it("refuses bad invite settings with clear words", async () => {
    await expectTrpcError(admin.registration.createInvite({ maxUses: 0 }), "BAD_REQUEST", /at least one/);
    await expectTrpcError(admin.registration.createInvite({ expiresInHours: 24 * 365 }), "BAD_REQUEST", /at most 90/);
    await expectTrpcError(
      h.anonymous.auth.register({ username: "weird", password: "correct horse", invite: "a b" }),
      "BAD_REQUEST",
      /invite/,
    );
  });

  it("a limited link creates exactly its number of accounts, however many register at once", async () => {
    await admin.registration.setPolicy({ policy: "invite" });
    for (let round = 0; round < 3; round++) {
      const invite = await admin.registration.createInvite({ maxUses: 3 });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, n) =>
          h.anonymous.auth.register({ username: `race${round}-${n}`, password: "correct horse", invite: invite.token }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    }
    await admin.registration.setPolicy({ policy: "open" });
  });

  it("REGISTRATION at start sets the policy, recorded with no actor", async () => {
    await applyRegistrationSetting(h.deps, "closed");
    expect(await h.anonymous.registration.state()).toEqual({ policy: "closed" });
    await applyRegistrationSetting(h.deps, undefined);
    expect(await h.anonymous.registration.state()).toEqual({ policy: "closed" });
    const [last] = await h.deps.db
      .select()
      .from(schema.auditLog)
      .orderBy(schema.auditLog.id)
      .then((rows) => rows.slice(-1));
    expect(last).toMatchObject({ actorId: null, action: "registration.changed", detail: { to: "closed" } });
    await admin.registration.setPolicy({ policy: "open" });
  });
});

describe.each(drivers)("the first account on %s", (driver) => {
  it("is the only administrator when many register at once on an empty server", async () => {
    for (let round = 0; round < 3; round++) {
      const h = await createHarness(driver);
      try {
        const sessions = await Promise.all(Array.from({ length: 6 }, () => h.signUp()));
        const roles = await Promise.all(sessions.map((s) => roleOf(h, s.id)));
        expect(roles.filter((r) => r === "admin")).toHaveLength(1);
      } finally {
        await h.dispose();
      }
    }
  });
});
