import type { ComponentType, ReactNode } from "react";

/** The app's link component (Next's `Link`), so that these components never depend on a router. */
export type LinkComponent = ComponentType<{
  href: string;
  className?: string;
  "aria-current"?: "page";
  children: ReactNode;
}>;
