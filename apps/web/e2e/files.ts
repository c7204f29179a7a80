import { readFile } from "node:fs/promises";
import type { FileOut } from "@parley/api/schemas";
import type { Download, Locator, Page, Request, Response } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  attachFiles,
  attachments,
  composer,
  createRoom,
  dropFiles,
  expectConnected,
  joinRoom,
  messageLog,
  type SharedFile,
  signUpAliceAndBob,
  textMessages,
  uniqueName,
} from "./parley-ui";
import type { Stack } from "./stacks";

/**
 * Issue 16, files and images in the browser: a person drops an image in (or picks a file with the
 * button), captions it and sends; the other person sees the thumbnail live, opens it in the
 * lightbox and downloads the original, which the server stored without its EXIF location; other
 * files come as cards that download under their name.
 */

/** Where the photo was taken, as its EXIF says: the server must not pass it on. */
const LOCATION = "Taken at 48.8584 N, 2.2945 E";

/** An upload request: `POST /files?roomId=…&name=…`. */
const isUpload = (request: Request) => request.method() === "POST" && new URL(request.url()).pathname === "/files";
const uploadAnswer = (page: Page) => page.waitForResponse((response: Response) => isUpload(response.request()));

/**
 * A JPEG as a camera leaves it: drawn by the browser (a canvas), then given an EXIF block (APP1,
 * big-endian TIFF) with an image description and a GPS latitude that say where it was taken.
 */
export async function photoWithLocation(page: Page, name: string, width: number, height: number): Promise<SharedFile> {
  const jpeg = Buffer.from(
    await page.evaluate(
      async ([w, h]) => {
        const canvas = new OffscreenCanvas(w, h);
        const context = canvas.getContext("2d");
        if (!context) throw new Error("no 2d canvas");
        const sky = context.createLinearGradient(0, 0, 0, h);
        sky.addColorStop(0, "#1e3a8a");
        sky.addColorStop(0.6, "#f59e0b");
        sky.addColorStop(1, "#0f766e");
        context.fillStyle = sky;
        context.fillRect(0, 0, w, h);
        context.fillStyle = "#fde68a";
        context.beginPath();
        context.arc(w * 0.7, h * 0.55, h * 0.12, 0, Math.PI * 2);
        context.fill();
        const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
        return [...new Uint8Array(await blob.arrayBuffer())];
      },
      [width, height] as const,
    ),
  );
  return { name, mimeType: "image/jpeg", buffer: withExif(jpeg, LOCATION) };
}

/** `jpeg` with an EXIF segment right after its start: IFD0 (ImageDescription, GPS pointer) and a GPS IFD. */
function withExif(jpeg: Buffer, description: string): Buffer {
  const text = Buffer.from(`${description}\0`, "latin1");
  const tiff = Buffer.alloc(92 + text.length);
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  // IFD0 at 8: ImageDescription (ASCII, at 92) and the GPS IFD's offset (38).
  tiff.writeUInt16BE(2, 8);
  tiff.writeUInt16BE(0x010e, 10);
  tiff.writeUInt16BE(2, 12);
  tiff.writeUInt32BE(text.length, 14);
  tiff.writeUInt32BE(92, 18);
  tiff.writeUInt16BE(0x8825, 22);
  tiff.writeUInt16BE(4, 24);
  tiff.writeUInt32BE(1, 26);
  tiff.writeUInt32BE(38, 30);
  tiff.writeUInt32BE(0, 34);
  // GPS IFD at 38: GPSLatitudeRef "N", GPSLatitude 48/1 51/1 3024/100 (three rationals at 68).
  tiff.writeUInt16BE(2, 38);
  tiff.writeUInt16BE(0x0001, 40);
  tiff.writeUInt16BE(2, 42);
  tiff.writeUInt32BE(2, 44);
  tiff.write("N\0", 48, "latin1");
  tiff.writeUInt16BE(0x0002, 52);
  tiff.writeUInt16BE(5, 54);
  tiff.writeUInt32BE(3, 56);
  tiff.writeUInt32BE(68, 60);
  tiff.writeUInt32BE(0, 64);
  for (const [i, [numerator, denominator]] of [
    [48, 1],
    [51, 1],
    [3024, 100],
  ].entries()) {
    tiff.writeUInt32BE(numerator ?? 0, 68 + i * 8);
    tiff.writeUInt32BE(denominator ?? 1, 72 + i * 8);
  }
  text.copy(tiff, 92);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe1, 0);
  marker.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, payload, jpeg.subarray(2)]);
}

/** A small, valid one-page PDF: a file that is not an image. */
export function pdfFile(name: string): SharedFile {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  for (const [i, object] of objects.entries()) {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  }
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return { name, mimeType: "application/pdf", buffer: Buffer.from(body, "latin1") };
}

/** The bytes of a download, once it has finished. */
async function bytesOf(download: Download): Promise<Buffer> {
  return readFile(await download.path());
}

/** An image's decoded size in pixels, as the browser reads `bytes`. */
const decodedSize = (page: Page, bytes: Buffer) =>
  page.evaluate(
    async (data) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)]));
      return [bitmap.width, bitmap.height];
    },
    [...bytes],
  );

/** Waits for an `<img>` to have loaded, and gives its natural size. */
async function loadedSize(image: Locator): Promise<[number, number]> {
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)))
    .toBeGreaterThan(0);
  return image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight] as [number, number]);
}

/** Alice and Bob, signed up, both in a new public room with its page open. */
export async function aliceAndBobInARoom(newPage: () => Promise<Page>) {
  const [alice, bob] = [await newPage(), await newPage()];
  await signUpAliceAndBob(alice, bob);
  const room = uniqueName("files");
  await createRoom(alice, room);
  await joinRoom(bob, room);
  await expectConnected(alice);
  await expectConnected(bob);
  return { alice, bob, room };
}

/** The tests every way to run shares: sharing an image by drop, and a file by the button. */
export function fileTests(mode: Stack["mode"]) {
  test.describe(`files and images (${mode})`, () => {
    test("an image dropped in with a caption: the other sees its thumbnail live, opens it and downloads the original without its location", async ({
      newPage,
      stack,
    }) => {
      const { alice, bob, room } = await aliceAndBobInARoom(newPage);
      const photo = await photoWithLocation(alice, "harbour.jpg", 1200, 800);
      expect(photo.buffer.includes(LOCATION)).toBe(true);

      const answered = uploadAnswer(alice);
      await dropFiles(messageLog(alice), [photo], async () => {
        await expect(alice.getByText(`Drop files to attach them to your message to #${room}`)).toBeVisible();
      });
      const stored = (await (await answered).json()) as FileOut;
      expect(stored).toMatchObject({ name: photo.name, kind: "image", width: 1200, height: 800 });
      await expect(alice.getByText(`Drop files to attach them to your message to #${room}`)).toHaveCount(0);
      await expect(attachments(alice).getByRole("listitem")).toContainText("ready");

      await composer(alice).fill("the harbour at dawn");
      await alice.getByRole("button", { name: "Send" }).click();
      await expect(attachments(alice)).toHaveCount(0);

      // Live on Bob's page: the caption, and the thumbnail (not the original) in a box of the
      // image's own shape, reserved before it loaded.
      const onBob = textMessages(bob).filter({ hasText: "the harbour at dawn" });
      const opener = onBob.getByRole("button", { name: photo.name });
      await expect(opener).toBeVisible();
      const thumbnail = onBob.getByAltText(photo.name);
      const [thumbWidth, thumbHeight] = await loadedSize(thumbnail);
      expect(Math.max(thumbWidth, thumbHeight)).toBeLessThanOrEqual(400);
      const box = await opener.boundingBox();
      expect(box?.width).toBeLessThanOrEqual(362);
      expect((box?.width ?? 0) / (box?.height ?? 1)).toBeCloseTo(1.5, 1);

      // The lightbox shows the original; Download saves it as the server stored it.
      await opener.click();
      const lightbox = bob.getByRole("dialog", { name: photo.name });
      await expect(lightbox).toBeVisible();
      expect(await loadedSize(lightbox.getByAltText(photo.name))).toEqual([1200, 800]);
      await expect(lightbox).toContainText(/KB · JPEG image · 1200 × 800 px/);
      const downloading = bob.waitForEvent("download");
      await lightbox.getByRole("link", { name: "Download" }).click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe(photo.name);
      // From the bucket by a presigned link in the scaled stack (S3), from the web process on disk.
      const servedFrom = new URL(download.url()).origin;
      if (mode === "scaled") expect(servedFrom).not.toBe(new URL(stack.webUrl).origin);
      else expect(servedFrom).toBe(new URL(stack.webUrl).origin);
      const original = await bytesOf(download);
      expect(original.length).toBe(stored.size);
      expect(original.includes(LOCATION)).toBe(false);
      expect(await decodedSize(bob, original)).toEqual([1200, 800]);

      // Escape closes it, and focus is back on the image it was opened from.
      await bob.keyboard.press("Escape");
      await expect(lightbox).toHaveCount(0);
      await expect(opener).toBeFocused();

      // History carries the attachment too.
      await bob.reload();
      await expect(textMessages(bob).filter({ hasText: "the harbour at dawn" }).getByAltText(photo.name)).toBeVisible();
    });

    test("a file picked with the button comes as a card that downloads under its name", async ({ newPage }) => {
      const { alice, bob } = await aliceAndBobInARoom(newPage);
      const report = pdfFile("quarterly report.pdf");
      await attachFiles(alice, [report]);
      await expect(attachments(alice).getByRole("listitem")).toContainText("ready");
      // No caption: the file alone is the message.
      await expect(composer(alice)).toHaveValue("");
      await alice.getByRole("button", { name: "Send" }).click();

      const card = textMessages(bob).getByRole("link", { name: /quarterly report\.pdf/ });
      await expect(card).toBeVisible();
      await expect(card).toContainText(`${report.buffer.length} bytes · PDF document`);
      const downloading = bob.waitForEvent("download");
      await card.click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe(report.name);
      expect((await bytesOf(download)).equals(report.buffer)).toBe(true);
    });
  });
}
