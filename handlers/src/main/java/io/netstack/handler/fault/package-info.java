/**
 * A bad link on demand: {@link io.netstack.handler.fault.FaultInjector} sits between a channel and its handlers and
 * drops, duplicates, corrupts, reorders and delays frames and limits their bandwidth, each direction with its own
 * {@link io.netstack.handler.fault.FaultSettings} and {@link io.netstack.handler.fault.FaultCounters}. Its decisions
 * come from a seed, so a run that failed can be replayed.
 */
package io.netstack.handler.fault;
