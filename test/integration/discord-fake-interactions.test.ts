/**
 * The real discord.js against the fake Discord's interaction surface: it registers commands, receives a slash
 * command and a button click through INTERACTION_CREATE, defers, edits @original, follows up and updates a
 * message's buttons, and shows typing. (No adapter here: this checks the fake speaks what discord.js expects.)
 */
import { ButtonStyle, ComponentType, Events, type Interaction } from "discord.js";
import { afterEach, expect, test } from "vitest";
import { connect, createDiscordClient } from "../../src/adapters/discord/connection.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup() {
  const fake: FakeDiscord = await startFakeDiscord();
  cleanups.push(() => fake.close());
  const guild = fake.model.createGuild({ name: "g" });
  const channel = fake.model.createTextChannel(guild.id, "general");
  const alice = fake.model.createUser({ username: "alice" });
  fake.model.addMember(guild.id, alice.id);
  const client = createDiscordClient({ apiUrl: fake.apiUrl });
  cleanups.push(() => client.destroy());
  await connect(client, { token: fake.token, readyTimeoutMs: 10_000 });
  const interactions: Interaction[] = [];
  const next = () =>
    new Promise<Interaction>((resolve) => {
      client.once(Events.InteractionCreate, resolve);
    });
  client.on(Events.InteractionCreate, (i) => interactions.push(i));
  return { fake, guild, channel, alice, client, next };
}

test("discord.js registers commands, defers a slash command, edits @original and follows up", async () => {
  const { fake, guild, channel, alice, client, next } = await setup();
  const ask = {
    name: "ask",
    description: "Ask a question",
    options: [{ type: 3, name: "question", description: "What to ask", required: true }],
  };
  await client.application!.commands.set([ask], guild.id);
  const registered = await client.application!.commands.fetch({ guildId: guild.id });
  expect([...registered.values()].map((c) => c.name)).toEqual(["ask"]);

  const arrived = next();
  fake.slashCommand({
    channelId: channel.id,
    userId: alice.id,
    name: "ask",
    options: { question: "why is the sky blue?" },
  });
  const interaction = await arrived;
  if (!interaction.isChatInputCommand()) throw new Error("expected a chat input command");
  expect(interaction.options.getString("question")).toBe("why is the sky blue?");
  expect(interaction.user.id).toBe(alice.id);
  await interaction.deferReply();
  await interaction.editReply({ content: "Rayleigh scattering." });
  await interaction.followUp({ content: "(continued)" });
  expect(fake.botMessages(channel.id).map((m) => m.content)).toEqual(["Rayleigh scattering.", "(continued)"]);
  expect(fake.calls.map((c) => c.route)).toEqual(
    expect.arrayContaining([
      "POST /interactions/:id/:token/callback",
      "PATCH /webhooks/:id/:token/messages/@original",
      "POST /webhooks/:id/:token",
    ]),
  );
});

test("discord.js receives a button click with the clicker's permissions and updates the message", async () => {
  const { fake, channel, alice, client, next } = await setup();
  const sent = await client.channels.fetch(channel.id);
  if (!sent?.isSendable()) throw new Error("channel not sendable");
  const message = await sent.send({
    content: "answer",
    components: [
      {
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.Button, style: ButtonStyle.Danger, label: "Stop", customId: "stop:x" }],
      },
    ],
  });
  const arrived = next();
  fake.clickButton({ messageId: message.id, userId: alice.id, customId: "stop:x" });
  const click = await arrived;
  if (!click.isButton()) throw new Error("expected a button");
  expect(click.customId).toBe("stop:x");
  expect(click.memberPermissions?.has("ManageMessages")).toBe(false);
  await click.update({ components: [] });
  expect(fake.model.messages.get(message.id)!.components).toEqual([]);
  await sent.sendTyping();
  expect(fake.botIsTyping(channel.id)).toBe(true);
});
