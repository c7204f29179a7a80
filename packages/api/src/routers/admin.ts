import { z } from "zod";
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
import { adminProcedure, checkedOutput, router } from "../trpc";

/** The server's administration: administrators only (anyone else gets NOT_FOUND, as for no procedure at all). */
export const adminRouter = router({
  users: adminProcedure
    .input(AdminListInput)
    .output(checkedOutput(AdminUsersPage))
    .query(({ ctx, input }) => admin.listUsers(ctx.deps, input)),
  setRole: adminProcedure
    .input(SetRoleInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.setRole(ctx.deps, ctx.actor, input)),
  disableUser: adminProcedure
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.disableUser(ctx.deps, ctx.actor, input.userId)),
  enableUser: adminProcedure
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.enableUser(ctx.deps, ctx.actor, input.userId)),
  deleteUser: adminProcedure
    .input(AdminUserInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.deleteUser(ctx.deps, ctx.actor, input.userId)),
  resetPassword: adminProcedure
    .input(ResetPasswordInput)
    .output(checkedOutput(AdminUser))
    .mutation(({ ctx, input }) => admin.resetPassword(ctx.deps, ctx.actor, input)),
  rooms: adminProcedure
    .input(AdminListInput)
    .output(checkedOutput(AdminRoomsPage))
    .query(({ ctx, input }) => admin.listRooms(ctx.deps, input)),
  deleteRoom: adminProcedure
    .input(AdminRoomInput)
    .output(checkedOutput(z.object({ deleted: z.literal(true) })))
    .mutation(({ ctx, input }) => admin.deleteRoom(ctx.deps, ctx.actor, input.roomId)),
  transferRoom: adminProcedure
    .input(TransferRoomInput)
    .output(checkedOutput(AdminRoom))
    .mutation(({ ctx, input }) => admin.transferRoom(ctx.deps, ctx.actor, input)),
  audit: adminProcedure
    .input(AuditListInput)
    .output(checkedOutput(AuditPage))
    .query(({ ctx, input }) => admin.listAudit(ctx.deps, input)),
});
