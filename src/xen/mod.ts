/**
 * Xen live migration of virtual routers: the pre-copy engine, its dirty-page
 * model and closed form, and the standard (router-in-the-VM) mechanism.
 *
 * @module
 */

export * from "./dirty_model.ts";
export * from "./precopy.ts";
export * from "./closed_form.ts";
export * from "./paper_profile.ts";
export * from "./standard.ts";
