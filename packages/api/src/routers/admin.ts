import { z } from "zod";
import { rest } from "../rest";
import { AccessTokenOut, RevokedTokens, UserTokenRef } from "../schemas";
import {
  AdminListInput,
  AdminRoom,
  AdminRoomInput,
  AdminRoomsPage,
  AdminUser,
  AdminUserInput,
  AdminUsersPage,
  AuditListInput,
  AuditPage,
  ResetPasswordInput,
  SetRoleInput,
  TransferRoomInput,
} from "../schemas/admin";
import * as admin from "../services/admin";
import * as adminTokens from "../services/admin-tokens";
import { adminProcedure, checkedOutput, router } from "../trpc";

/** The server's administration: administrators only (anyone else gets NOT_FOUND, as for no procedure at all). */
export const adminRouter = router({
  users: adminProcedure
    .meta(rest("GET", "/admin/users", "Every account, newest first, searchable (administrators)"))
    .input(AdminListInput)
    .output(checkedOutput(AdminUsersPage))
    .query(({ ctx, input }) => admin.listUsers(ctx.deps, input)),
  setRole: adminProcedure
    .meta(rest("PUT", "/admin/users/{userId}/role", "Make an account an administrator or a member (administrators)"))
    .input(SetRoleInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.setRole(ctx.deps, ctx.actor, input)),
  disableUser: adminProcedure
    .meta(
      rest("POST", "/admin/users/{userId}/disable", "Disable an account: its sessions end everywhere (administrators)"),
    )
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.disableUser(ctx.deps, ctx.actor, input.userId)),
  enableUser: adminProcedure
    .meta(rest("POST", "/admin/users/{userId}/enable", "Enable a disabled account (administrators)"))
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.enableUser(ctx.deps, ctx.actor, input.userId)),
  deleteUser: adminProcedure
    .meta(
      rest(
        "DELETE",
        "/admin/users/{userId}",
        "Delete an account; its messages stay as a deleted user's (administrators)",
      ),
    )
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.deleteUser(ctx.deps, ctx.actor, input.userId)),
  resetPassword: adminProcedure
    .meta(
      rest(
        "POST",
        "/admin/users/{userId}/password",
        "Set a temporary password to be changed at next sign-in (administrators)",
      ),
    )
    .input(ResetPasswordInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.resetPassword(ctx.deps, ctx.actor, input)),
  /** An account's personal access tokens that are not revoked (never their secrets); NOT_FOUND for no account. */
  userTokens: adminProcedure
    .meta(rest("GET", "/admin/users/{userId}/tokens", "An account's personal access tokens (administrators)"))
    .input(AdminUserInput)
    .output(checkedOutput(z.array(AccessTokenOut)))
    .query(({ ctx, input }) => adminTokens.userTokens(ctx.deps, input.userId)),
  /** Revokes one of an account's tokens on every instance, open sockets included; `{ revoked: 0 }` if it was already. */
  revokeUserToken: adminProcedure
    .meta(
      rest(
        "DELETE",
        "/admin/users/{userId}/tokens/{tokenId}",
        "Revoke one of an account's personal access tokens (administrators)",
      ),
    )
    .input(UserTokenRef)
    .output(checkedOutput(RevokedTokens))
    .mutation(({ ctx, input }) => adminTokens.revokeUserToken(ctx.deps, ctx.actor, input)),
  /** Revokes every token of an account; `{ revoked: 0 }` if none was left. */
  revokeUserTokens: adminProcedure
    .meta(
      rest(
        "DELETE",
        "/admin/users/{userId}/tokens",
        "Revoke every personal access token of an account (administrators)",
      ),
    )
    .input(AdminUserInput)
    .output(checkedOutput(RevokedTokens))
    .mutation(({ ctx, input }) => adminTokens.revokeUserTokens(ctx.deps, ctx.actor, input.userId)),
  rooms: adminProcedure
    .meta(rest("GET", "/admin/rooms", "Every room, newest first, searchable (administrators)"))
    .input(AdminListInput)
    .output(checkedOutput(AdminRoomsPage))
    .query(({ ctx, input }) => admin.listRooms(ctx.deps, input)),
  deleteRoom: adminProcedure
    .meta(rest("DELETE", "/admin/rooms/{roomId}", "Delete a room and its messages (administrators)"))
    .input(AdminRoomInput)
    .output(checkedOutput(z.object({ deleted: z.literal(true) })))
    .mutation(({ ctx, input }) => admin.deleteRoom(ctx.deps, ctx.actor, input.roomId)),
  transferRoom: adminProcedure
    .meta(rest("POST", "/admin/rooms/{roomId}/owner", "Hand a room to a new owner (administrators)"))
    .input(TransferRoomInput)
    .output(checkedOutput(AdminRoom))
    .mutation(({ ctx, input }) => admin.transferRoom(ctx.deps, ctx.actor, input)),
  audit: adminProcedure
    .meta(rest("GET", "/admin/audit", "The audit log, newest first (administrators)"))
    .input(AuditListInput)
    .output(checkedOutput(AuditPage))
    .query(({ ctx, input }) => admin.listAudit(ctx.deps, input)),
});
