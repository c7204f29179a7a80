import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect } from "./fixtures";
import { snap } from "./parley-ui";

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

/**
 * Runs axe on the page as it is, in both schemes and at each width (1280 and 390 px unless told);
 * `prepare` puts the page in the state to check each time. Each state checked is also kept as a
 * screenshot, `screens/a11y-<screen>-<scheme>-<width>.png`, to look at. Returns one entry per
 * failing element.
 */
export async function audit(
  page: Page,
  screen: string,
  prepare?: () => Promise<void>,
  widths: number[] = [1280, 390],
): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const width of widths) {
      await page.setViewportSize({ width, height: 800 });
      await prepare?.();
      await snap(page, `a11y-${screen.replaceAll(" ", "-")}-${colorScheme}-${width}`);
      const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
      for (const violation of results.violations) {
        if (!BLOCKING.has(violation.impact ?? "")) continue;
        for (const node of violation.nodes) {
          found.push(
            `${screen} (${colorScheme}, ${width} px): ${violation.id} [${violation.impact}] ${violation.help}\n` +
              `    at ${node.target.join(" ")}\n    ${node.failureSummary?.replaceAll("\n", "\n    ") ?? ""}`,
          );
        }
      }
    }
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize({ width: 1280, height: 800 });
  return found;
}

export function expectNoViolations(found: string[]) {
  expect(found, `${found.length} serious or critical accessibility violations:\n\n${found.join("\n\n")}`).toEqual([]);
}
