"use client";

import { useId, useState } from "react";

/**
 * A secret shown this once (a webhook's URL or signing secret), whole and wrapping, selected on
 * focus, with a Copy button whose outcome is announced; "Done" hides it for good.
 */
export function ShownOnce({
  label,
  value,
  hint,
  onDone,
}: {
  label: string;
  value: string;
  /** What the reader must know: that it is shown once, and what it lets its holder do. */
  hint: string;
  onDone: () => void;
}) {
  const id = useId();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <div className="webhooks-url">
      <label htmlFor={`${id}-value`} className="pl-label">
        {label}
      </label>
      <div className="webhooks-create">
        <textarea
          id={`${id}-value`}
          className="pl-input webhooks-url-input"
          value={value}
          readOnly
          rows={3}
          aria-describedby={`${id}-hint`}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button
          type="button"
          className="pl-button pl-button-primary"
          onClick={() =>
            navigator.clipboard.writeText(value).then(
              () => setCopied("yes"),
              () => setCopied("failed"),
            )
          }
        >
          Copy
        </button>
      </div>
      <p id={`${id}-hint`} className="pl-hint">
        {hint}{" "}
        <span aria-live="polite">
          {copied === "yes" ? "Copied." : copied === "failed" ? "Could not copy: select it and copy it." : ""}
        </span>
      </p>
      <button type="button" className="pl-link-button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
