import type { Message } from "discord.js";
import { describe, expect, test } from "vitest";
import { FreshMessages } from "../../src/adapters/discord/fresh-messages.js";

const message = (id: string) => ({ id, channelId: "1" }) as unknown as Message;

describe("FreshMessages", () => {
  test("a delivered message is handed out once while fresh, and not at all once it is older", () => {
    let now = 0;
    const fresh = new FreshMessages(15_000, 10, () => now);
    fresh.remember(message("10"));
    fresh.remember(message("11"));
    now = 15_000;
    expect(fresh.take("10")?.id).toBe("10");
    expect(fresh.take("10")).toBeUndefined(); // a second run (a retry, a resume) fetches it
    now = 15_001;
    expect(fresh.take("11")).toBeUndefined();
    expect(fresh.take("12")).toBeUndefined(); // never delivered here (another replica's)
  });

  test("an edited or deleted message is forgotten, so its run reads it again", () => {
    const fresh = new FreshMessages();
    fresh.remember(message("10"));
    fresh.forget("10");
    expect(fresh.take("10")).toBeUndefined();
  });

  test("past its limit the oldest are forgotten, so memory stays bounded whatever the traffic", () => {
    const fresh = new FreshMessages(15_000, 2);
    for (const id of ["1", "2", "3"]) fresh.remember(message(id));
    expect(fresh.take("1")).toBeUndefined();
    expect(fresh.take("2")?.id).toBe("2");
    expect(fresh.take("3")?.id).toBe("3");
  });
});
