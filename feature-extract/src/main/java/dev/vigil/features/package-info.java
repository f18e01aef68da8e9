/**
 * Feature sets and schemas, and the packet pipeline that turns parsed packets into feature vectors.
 * Libraries return values and never log per packet.
 */
package dev.vigil.features;
