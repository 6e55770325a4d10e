// "Check for updates" against the fake engine: up to date, an offer with its notes, refusals in
// words, and `locked` bringing the PIN back.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBackend, err } from "../../mock/fake";
import { UpdatesModel } from "./updates.svelte";

const RELEASE = { version: "0.2.0", currentVersion: "0.1.0", notes: "Receipts print faster.", date: "2026-12-01T09:00:00+00:00" };

let fake: FakeBackend;
let needPin: ReturnType<typeof vi.fn<() => void>>;
let model: UpdatesModel;

beforeEach(() => {
  fake = new FakeBackend();
  fake.unlocked = true;
  needPin = vi.fn<() => void>();
  model = new UpdatesModel(fake, needPin);
});

describe("UpdatesModel", () => {
  it("says the version is the latest when the feed has nothing newer", async () => {
    await model.load();
    expect(model.phase).toBe("idle");
    await model.check();
    expect(model.phase).toBe("current");
    expect(model.offer).toBeNull();
  });

  it("offers a newer release with its notes, and installs it on request", async () => {
    fake.release = RELEASE;
    await model.check();
    expect(model.phase).toBe("offered");
    expect(model.offer?.notes).toBe("Receipts print faster.");
    // What the daily check found is shown again without asking the feed.
    const again = new UpdatesModel(fake, needPin);
    await again.load();
    expect(again.offer?.version).toBe("0.2.0");
    await model.install();
    expect(fake.calls.filter(([n]) => n === "updateInstall")).toHaveLength(1);
    expect(model.error).toBeNull();
  });

  it("shows a refused install in words and keeps the offer", async () => {
    fake.release = RELEASE;
    await model.check();
    fake.updateInstall = async () => {
      throw err("conflict", "the update's signature does not match Chaintill's release key, so it was refused and nothing was installed");
    };
    await model.install();
    expect(model.phase).toBe("offered");
    expect(model.error).toMatch(/nothing was installed/);
  });

  it("shows a check refused during a sale, and asks for the PIN when locked", async () => {
    fake.updateCheck = async () => {
      throw err("conflict", "a sale is open on the till: finish or cancel it first, then update");
    };
    await model.check();
    expect(model.phase).toBe("idle");
    expect(model.error).toMatch(/a sale is open/);
    fake.updateCheck = async () => {
      throw err("locked", "this needs the owner PIN");
    };
    await model.check();
    expect(needPin).toHaveBeenCalled();
  });
});
