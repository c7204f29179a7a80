import type { Route } from "@playwright/test";
import { aliceAndBobInARoom, fileTests, pdfFile, photoWithLocation } from "./files";
import { expect, test } from "./fixtures";
import {
  attachFiles,
  attachments,
  composer,
  createRoom,
  expectConnected,
  joinRoom,
  messageLog,
  signUp,
  snapEveryWay,
  textMessages,
} from "./parley-ui";

/** Sharing images and files on the scaled stack (a web process and a realtime process). */
fileTests("scaled");

/** The server's default UPLOAD_MAX_BYTES (25 MiB), which the stacks keep. */
const UPLOAD_MAX_BYTES = 25 * 1024 * 1024;

test("the composer refuses a file over the limit before uploading it, cancels an upload on its way, and sends what is ready", async ({
  newPage,
}) => {
  const { alice, bob } = await aliceAndBobInARoom(newPage);
  const uploads: string[] = [];
  alice.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/files") {
      uploads.push(new URL(request.url()).searchParams.get("name") ?? "");
    }
  });

  // One byte over the limit: refused in the browser, no upload starts (the file is made in the page:
  // 25 MiB need not cross from the test).
  const transfer = await alice.evaluateHandle((size) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(size)], "too-big.bin", { type: "application/octet-stream" }));
    return data;
  }, UPLOAD_MAX_BYTES + 1);
  const log = alice.getByRole("log", { name: "Chat history" });
  await log.dispatchEvent("dragenter", { dataTransfer: transfer });
  await log.dispatchEvent("drop", { dataTransfer: transfer });
  const tooBig = attachments(alice).getByRole("listitem").filter({ hasText: "too-big.bin" });
  await expect(tooBig).toContainText("Too big: files may be at most 25 MB.");
  await expect(alice.getByRole("button", { name: "Send" })).toBeDisabled();

  // The photo's upload is held on its way to the server (the request waits in the browser, it is
  // not answered for the server), so that it can be cancelled mid-way; the PDF goes through.
  let held: Route | undefined;
  const heldNow = new Promise<void>((resolve) => {
    void alice.route(
      (url) => url.pathname === "/files" && url.searchParams.get("name") === "sunset.jpg",
      (route) => {
        held = route;
        resolve();
      },
    );
  });
  const photo = await photoWithLocation(alice, "sunset.jpg", 900, 600);
  const report = pdfFile("minutes.pdf");
  await attachFiles(alice, [photo, report]);
  await heldNow;
  const uploading = alice.getByRole("progressbar", { name: "Uploading sunset.jpg" });
  await expect(uploading).toBeVisible();
  await expect(uploading).toHaveAttribute("aria-valuenow", /^\d+$/);
  await expect(attachments(alice).getByRole("listitem").filter({ hasText: "minutes.pdf" })).toContainText("ready");
  // Send waits for the upload, and says so.
  await expect(alice.getByRole("button", { name: "Send" })).toBeDisabled();
  await expect(alice.getByText("1 file is uploading: the message can be sent once it is up.")).toBeVisible();
  await snapEveryWay(alice, "files-composer");

  await alice.getByRole("button", { name: "Cancel sunset.jpg" }).click();
  await expect(attachments(alice).getByRole("listitem").filter({ hasText: "sunset.jpg" })).toHaveCount(0);
  await expect(alice.getByRole("status").filter({ hasText: "Upload of sunset.jpg cancelled" })).toHaveCount(1);
  await held?.abort().catch(() => {});
  await alice.unrouteAll({ behavior: "ignoreErrors" });
  await alice.getByRole("button", { name: "Remove too-big.bin" }).click();
  expect(uploads).not.toContain("too-big.bin");

  await composer(alice).fill("the minutes, without the photo");
  await alice.getByRole("button", { name: "Send" }).click();
  const onBob = textMessages(bob).filter({ hasText: "the minutes, without the photo" });
  await expect(onBob.getByRole("link", { name: /minutes\.pdf/ })).toBeVisible();
  await expect(onBob.getByRole("button", { name: "sunset.jpg" })).toHaveCount(0);
});

/** The sends of messages over tRPC's HTTP link. */
const SEND_REQUESTS = "**/trpc/*messages.send*";

test("a message whose files are up waits in the tab when the network drops and goes out with them; a thread reply carries a file; pinned it shows its file, deleted none", async ({
  newPage,
}) => {
  const { alice, bob } = await aliceAndBobInARoom(newPage);
  await attachFiles(alice, [pdfFile("budget.pdf")]);
  await expect(attachments(alice).getByRole("listitem")).toContainText("ready");

  await alice.route(SEND_REQUESTS, (route) => route.abort("internetdisconnected"));
  await composer(alice).fill("sent while the link is down");
  await composer(alice).press("Enter");
  const queued = messageLog(alice).locator('li[data-status="queued"]');
  await expect(queued).toContainText("Waiting for connection…");
  await expect(queued.getByRole("link", { name: /budget\.pdf/ })).toBeVisible();
  await alice.reload();
  await expect(queued.getByRole("link", { name: /budget\.pdf/ })).toBeVisible();
  await alice.unroute(SEND_REQUESTS);
  const onBob = textMessages(bob).filter({ hasText: "sent while the link is down" });
  await expect(onBob.getByRole("link", { name: /budget\.pdf/ })).toBeVisible();
  await expect(queued).toHaveCount(0);

  // In a thread: the reply composer attaches too.
  await onBob.hover();
  await onBob.getByRole("toolbar").getByRole("button", { name: "Reply in thread" }).click();
  const thread = bob.getByRole("region", { name: /^Thread/ });
  await attachFiles(bob, [await photoWithLocation(bob, "receipt.jpg", 600, 900)], thread);
  await expect(attachments(thread).getByRole("listitem")).toContainText("ready");
  await thread.getByRole("textbox", { name: "Reply" }).fill("the receipt");
  await thread.getByRole("textbox", { name: "Reply" }).press("Enter");
  const replies = thread.getByRole("log", { name: "Replies" });
  await expect(replies.getByRole("button", { name: "receipt.jpg" })).toBeVisible();
  await expect(attachments(thread)).toHaveCount(0);
  // Opened from the thread, the lightbox closes on Escape and leaves the thread open.
  await replies.getByRole("button", { name: "receipt.jpg" }).click();
  await expect(bob.getByRole("dialog", { name: "receipt.jpg" })).toBeVisible();
  await bob.keyboard.press("Escape");
  await expect(bob.getByRole("dialog", { name: "receipt.jpg" })).toHaveCount(0);
  await expect(thread).toBeVisible();
  await expect(replies.getByRole("button", { name: "receipt.jpg" })).toBeFocused();
  await thread.getByRole("button", { name: "Close thread" }).click();

  // Pinned, it shows its file in the room's pinned messages.
  await onBob.hover();
  await onBob.getByRole("toolbar").getByRole("button", { name: "Pin", exact: true }).click();
  await expect(onBob).toHaveAttribute("data-pinned", "true");
  await bob.getByRole("button", { name: "Pinned messages" }).click();
  const pinned = bob.getByRole("dialog", { name: "Pinned messages" });
  await expect(pinned.getByRole("link", { name: /budget\.pdf/ })).toBeVisible();
  await bob.keyboard.press("Escape");

  // Deleted, it shows no file any more, live on the other page.
  const onAlice = textMessages(alice).filter({ hasText: "sent while the link is down" });
  await onAlice.hover();
  await onAlice.getByRole("toolbar").getByRole("button", { name: "Delete" }).click();
  await alice
    .getByRole("dialog", { name: "Delete this message?" })
    .getByRole("button", { name: "Delete", exact: true })
    .click();
  await expect(messageLog(bob).locator('li[data-deleted="true"]')).toContainText("message deleted");
  await expect(messageLog(bob).getByRole("link", { name: /budget\.pdf/ })).toHaveCount(0);
});

/**
 * The screens of sharing (the README's docs/screenshots/files.png is a copy of
 * test-results/screens/files-message-light-1280.png), with readable names: Hedy shares, Radia sees.
 */
test("screens: a message with an image and a file, and the lightbox", async ({ newPage }) => {
  const [alice, bob] = [await newPage(), await newPage()];
  await signUp(alice, "hedy");
  await signUp(bob, "radia");
  await createRoom(alice, "harbour-trip");
  await joinRoom(bob, "harbour-trip");
  await expectConnected(bob);
  await attachFiles(alice, [await photoWithLocation(alice, "harbour.jpg", 1200, 800), pdfFile("minutes.pdf")]);
  await expect(attachments(alice).getByText("ready")).toHaveCount(2);
  await composer(alice).fill("Photos from the harbour, and the minutes of Tuesday's meeting");
  await alice.getByRole("button", { name: "Send" }).click();
  const message = textMessages(bob).filter({ hasText: "Photos from the harbour" });
  const thumbnail = message.getByAltText("harbour.jpg");
  await expect(thumbnail).toBeVisible();
  await expect
    .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
    .toBe(true);
  await snapEveryWay(bob, "files-message");

  await snapEveryWay(bob, "files-lightbox", async () => {
    const lightbox = bob.getByRole("dialog", { name: "harbour.jpg" });
    if ((await lightbox.count()) === 0) await message.getByRole("button", { name: "harbour.jpg" }).click();
    await expect
      .poll(() =>
        lightbox.getByAltText("harbour.jpg").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      )
      .toBe(true);
  });
});
