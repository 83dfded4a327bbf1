/** Administration over every concern: whole-store backup, accounts, one-off migrations. */
export { type Counts, EXPORT_FORMAT, exportStore, ImportError, importStore } from "./backup.ts";
export {
  createAccount,
  deleteAccount,
  type DeletionReport,
  disableAccount,
  enableAccount,
  OwnsProjectsError,
  requireAccount,
  resetPassword,
  setSiteAdmin,
} from "./accounts.ts";
export { migrateSearchCursors } from "./migrate.ts";
export {
  accountById,
  activeAdminIds,
  type AdminUser,
  adminView,
  changeAccount,
  deleteAccountAsAdmin,
  type DeletionPreview,
  deletionPreview,
  isSiteAdmin,
  listPeople,
  PEOPLE_PAGE_SIZE,
  requireSiteAdmin,
} from "./people.ts";
