/**
 * TCP for the userspace host (RFC 9293): the state machine of one connection, {@link
 * io.netstack.handler.tcp.TcpConnection}, and the parts it is made of, each after its RFC: sequence-space arithmetic,
 * the retransmission timer (RFC 6298), congestion control (RFC 5681 and 6582), the send buffer and the queue of
 * segments received out of order. Nothing here is a Netty channel: the host's TCP channels drive a connection and
 * hear from it through {@link io.netstack.handler.tcp.TcpEvents}.
 */
package io.netstack.handler.tcp;
