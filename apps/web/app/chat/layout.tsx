import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { CHOOSE_PASSWORD_PATH, SIGN_IN_PATH } from "@/auth/paths";
import { currentSession } from "@/auth/session";
import { AppShell } from "@/client/app-shell";
import { ProfileCardProvider } from "@/client/profile-card";
import { ChatProviders } from "@/client/providers";
import { publicConfig } from "@/public-config";

// Every page here depends on who is signed in.
export const dynamic = "force-dynamic";

export default async function ChatLayout({ children }: { children: ReactNode }) {
  const session = await currentSession();
  if (!session) redirect(SIGN_IN_PATH);
  if (session.user.mustChangePassword) redirect(CHOOSE_PASSWORD_PATH);
  const { realtimeUrl, uploadMaxBytes } = publicConfig();
  return (
    <ChatProviders
      viewer={session.user}
      apiToken={session.apiToken}
      realtimeUrl={realtimeUrl}
      uploadMaxBytes={uploadMaxBytes}
    >
      <ProfileCardProvider>
        <AppShell>{children}</AppShell>
      </ProfileCardProvider>
    </ChatProviders>
  );
}
