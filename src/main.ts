/** `npm start`: the bot with every configured platform (see src/startup/entry-point.ts). */
import { runEntryPoint } from "./startup/entry-point.js";

await runEntryPoint();
