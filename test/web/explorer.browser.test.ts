import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EXPLORER_EXAMPLES } from "../../src/web/explorer-examples.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

// Page-side globals of the evaluate() callbacks (this project compiles without the DOM lib).
declare const document: any;

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM)
  console.warn(`explorer browser tests skipped: ${CHROMIUM} is absent (.ci/run installs it)`);

const TOKEN = "explorer-test-token";

/** Returns the text of GraphiQL's response pane (a CodeMirror 5 editor). */
function responseText(page: Page): Promise<string> {
  return page.evaluate(
    () => document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue() ?? "",
  );
}

/** Runs the active tab's operation and returns the response once it contains `expected`. */
async function execute(page: Page, expected: string): Promise<unknown> {
  await page.evaluate(() => document.querySelector(".result-window .CodeMirror").CodeMirror.setValue(""));
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    (text) => document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue().includes(text),
    expected,
    { timeout: 20_000 },
  );
  return JSON.parse(await responseText(page));
}

describe.skipIf(!HAVE_CHROMIUM)("the GraphQL explorer at /graphql in Chromium, offline", () => {
  let api: TestServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const outside: string[] = [];

  beforeAll(async () => {
    // No worker, so a queued measurement stays queued.
    api = await startTestServer("pglite", { config: { tokens: [TOKEN], worker: false } });
    profile = mkdtempSync(join(tmpdir(), "favor-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Offline by construction: every request that would leave the server is recorded and aborted.
    await page.route(
      (url) => !url.href.startsWith(api.url),
      (route) => {
        outside.push(route.request().url());
        return route.abort();
      },
    );
    await page.goto(`${api.url}/graphql`);
    await page.waitForSelector(".graphiql-container", { timeout: 60_000 });
  });

  afterAll(async () => {
    await context?.close();
    await api?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("renders GraphiQL with one tab per README example", async () => {
    expect(await page.title()).toBe("Favor · GraphQL explorer");
    expect(await page.locator(".graphiql-tab").count()).toBe(EXPLORER_EXAMPLES.length);
    const query = await page.evaluate(() =>
      document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue(),
    );
    expect(query).toContain(EXPLORER_EXAMPLES[0].title);
  });

  it("runs the first example against the server", async () => {
    const result = (await execute(page, "totalCount")) as any;
    expect(result.errors).toBeUndefined();
    expect(result.data.models.totalCount).toBeGreaterThan(0);
    expect(result.data.models.edges[0].node.model.name).toBeTypeOf("string");
  });

  it("shows the schema's documentation", async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector(".graphiql-doc-explorer", { timeout: 20_000 });
    await page.click(".graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text('Query')");
    await page.waitForSelector(".graphiql-doc-explorer-field-name:text('paretoFront')", { timeout: 20_000 });
    const docs = await page.locator(".graphiql-doc-explorer").textContent();
    expect(docs).toContain("paretoFront");
  });

  it("sends the bearer token field with mutations", async () => {
    const measureTab = EXPLORER_EXAMPLES.findIndex((e) => e.needsToken);
    await page.locator(".graphiql-tab").nth(measureTab).locator("button").first().click();
    const refused = (await execute(page, "errors")) as any;
    expect(refused.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    await page.fill("#token", TOKEN);
    const queued = (await execute(page, "status")) as any;
    expect(queued.errors).toBeUndefined();
    expect(queued.data.measure.status).toBe("QUEUED");
  });

  it("asked for nothing outside the server", () => {
    expect(outside).toEqual([]);
  });
});
