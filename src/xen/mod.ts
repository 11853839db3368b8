/**
 * Xen live migration of virtual routers: the pre-copy engine, its dirty-page
 * model and closed form, and the standard (router-in-the-VM) mechanism.
 *
 * @module
 */

export * from "./dirty_model.ts";
export * from "./precopy.ts";
