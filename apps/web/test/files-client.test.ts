import { fileSizeText, fileTypeText, fitWithin } from "@parley/ui";
import { describe, expect, it } from "vitest";
import { fileStoreOrigin, securityHeaders } from "../src/security-headers";

const s3 = {
  bucket: "parley-files",
  region: "eu-west-3",
  endpoint: undefined as string | undefined,
  accessKeyId: "key",
  secretAccessKey: "secret",
  forcePathStyle: false,
  prefix: "parley/",
};

describe("a file's size, type and box in the browser", () => {
  it("says sizes in bytes, then in multiples of 1,024 with one decimal below 10", () => {
    const n = (value: number, digits: number) => value.toLocaleString(undefined, { maximumFractionDigits: digits });
    expect(fileSizeText(0)).toBe("0 bytes");
    expect(fileSizeText(1)).toBe("1 byte");
    expect(fileSizeText(1023)).toBe("1023 bytes");
    expect(fileSizeText(1536)).toBe(`${n(1.5, 1)} KB`);
    expect(fileSizeText(2.4 * 1024 * 1024)).toBe(`${n(2.4, 1)} MB`);
    // The default upload limit reads as the README writes it.
    expect(fileSizeText(25 * 1024 * 1024)).toBe("25 MB");
    expect(fileSizeText(3 * 1024 ** 4)).toBe(`${n(3, 1)} TB`);
  });

  it("names common types in words, others by their media type", () => {
    expect(fileTypeText("application/pdf")).toBe("PDF document");
    expect(fileTypeText("image/jpeg")).toBe("JPEG image");
    expect(fileTypeText("video/mp4")).toBe("MP4 video");
    expect(fileTypeText("application/x-sqlite3")).toBe("application/x-sqlite3");
  });

  it("fits an image in its box without enlarging it, keeping its shape", () => {
    expect(fitWithin(1200, 800, 360)).toEqual({ width: 360, height: 240 });
    expect(fitWithin(100, 1000, 360)).toEqual({ width: 36, height: 360 });
    expect(fitWithin(200, 100, 360)).toEqual({ width: 200, height: 100 });
    // A sliver never collapses to nothing.
    expect(fitWithin(10_000, 1, 360)).toEqual({ width: 360, height: 1 });
  });
});

describe("where the pages may load shared images from", () => {
  it("is this origin only on disk", () => {
    expect(fileStoreOrigin(null)).toBeNull();
    expect(securityHeaders({ realtimeUrl: null, dev: false })["content-security-policy"]).toContain(
      "img-src 'self' data: blob:;",
    );
  });

  it("adds the bucket's origin in S3, as presigned links address it", () => {
    expect(fileStoreOrigin(s3)).toBe("https://parley-files.s3.eu-west-3.amazonaws.com");
    expect(fileStoreOrigin({ ...s3, forcePathStyle: true })).toBe("https://s3.eu-west-3.amazonaws.com");
    expect(fileStoreOrigin({ ...s3, endpoint: "http://127.0.0.1:4568", forcePathStyle: true })).toBe(
      "http://127.0.0.1:4568",
    );
    expect(fileStoreOrigin({ ...s3, endpoint: "https://r2.example.com/", forcePathStyle: false })).toBe(
      "https://parley-files.r2.example.com",
    );
    const csp = securityHeaders({ realtimeUrl: null, dev: false, fileOrigin: fileStoreOrigin(s3) })[
      "content-security-policy"
    ];
    expect(csp).toContain("img-src 'self' data: blob: https://parley-files.s3.eu-west-3.amazonaws.com;");
    // Only images: scripts and connections stay this origin's.
    expect(csp).toContain("connect-src 'self';");
  });
});
