/**
 * openflow (filled in by its module owner).
 *
 * @module
 */

export {};
