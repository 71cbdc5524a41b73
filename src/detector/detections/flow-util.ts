/**
 * Shared helpers of the VPC flow modules: which side of a flow is the monitored instance, the
 * GuardDuty Instance resource and NETWORK_CONNECTION / PORT_PROBE action blocks, protocol names.
 */
import type { DetectionContext, FlowRecord } from '../types.js';
import { isPublicIp, remoteIpDetails } from './util.js';

/** The flow seen from the instance: local (ours) and remote ends, and the direction. */
export interface FlowView {
  readonly localIp: string;
  readonly localPort: number;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly direction: 'INBOUND' | 'OUTBOUND';
}

/**
 * Orients a flow: the `flow-direction` field when the format has it (ingress = remote → local),
 * else the private side is local; undefined when both ends are private or both public.
 */
export function orient(r: FlowRecord): FlowView | undefined {
  const dir = r.extra?.['flow-direction'];
  const srcPub = isPublicIp(r.srcAddr);
  const dstPub = isPublicIp(r.dstAddr);
  let outbound: boolean;
  if (dir === 'ingress') outbound = false;
  else if (dir === 'egress') outbound = true;
  else if (srcPub !== dstPub) outbound = dstPub;
  else return undefined;
  return outbound
    ? { localIp: r.srcAddr, localPort: r.srcPort ?? 0, remoteIp: r.dstAddr, remotePort: r.dstPort ?? 0, direction: 'OUTBOUND' }
    : { localIp: r.dstAddr, localPort: r.dstPort ?? 0, remoteIp: r.srcAddr, remotePort: r.srcPort ?? 0, direction: 'INBOUND' };
}

/** The monitored resource's id: the instance id when the format carries it, else the interface, else the local IP. */
export function resourceIdOf(r: FlowRecord, localIp: string): string {
  return r.extra?.['instance-id'] ?? r.interfaceId ?? localIp;
}

/** GuardDuty's Instance resource for a flow's local end. */
export function instanceResource(r: FlowRecord, localIp: string): Record<string, unknown> {
  const id = r.extra?.['instance-id'];
  return {
    resourceType: 'Instance',
    instanceDetails: {
      instanceId: id ?? 'unknown',
      networkInterfaces: [{ networkInterfaceId: r.interfaceId ?? 'unknown', privateIpAddress: localIp, ...(r.extra?.['vpc-id'] ? { vpcId: r.extra['vpc-id'] } : {}), ...(r.extra?.['subnet-id'] ? { subnetId: r.extra['subnet-id'] } : {}) }],
    },
  };
}

/** IANA protocol number → GuardDuty protocol name. */
export function protocolName(p: number | undefined): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 1 ? 'ICMP' : p === undefined ? 'Unknown' : String(p);
}

/** GuardDuty's NETWORK_CONNECTION action. */
export function connectionAction(ctx: DetectionContext, r: FlowRecord, v: FlowView): Record<string, unknown> {
  return {
    actionType: 'NETWORK_CONNECTION',
    networkConnectionAction: {
      connectionDirection: v.direction,
      blocked: r.action === 'REJECT',
      protocol: protocolName(r.protocol),
      localIpDetails: { ipAddressV4: v.localIp },
      localPortDetails: { port: v.localPort, portName: portName(v.localPort) },
      remoteIpDetails: remoteIpDetails(ctx, v.remoteIp),
      remotePortDetails: { port: v.remotePort, portName: portName(v.remotePort) },
    },
  };
}

/** GuardDuty's PORT_PROBE action (inbound probes of local ports). */
export function portProbeAction(ctx: DetectionContext, r: FlowRecord, v: FlowView, ports: readonly number[]): Record<string, unknown> {
  return {
    actionType: 'PORT_PROBE',
    portProbeAction: {
      blocked: r.action === 'REJECT',
      portProbeDetails: ports.slice(0, 10).map((p) => ({ localPortDetails: { port: p, portName: portName(p) }, localIpDetails: { ipAddressV4: v.localIp }, remoteIpDetails: remoteIpDetails(ctx, v.remoteIp) })),
    },
  };
}

const PORT_NAMES: Readonly<Record<number, string>> = { 21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 110: 'POP3', 123: 'NTP', 143: 'IMAP', 389: 'LDAP', 443: 'HTTPS', 445: 'SMB', 587: 'SMTP', 853: 'DNS-over-TLS', 1433: 'MSSQL', 3306: 'MYSQL', 3389: 'RDP', 5432: 'POSTGRESQL', 5985: 'WinRM', 5986: 'WinRM', 6379: 'REDIS', 8080: 'HTTP', 9200: 'Elasticsearch', 9300: 'Elasticsearch', 27017: 'MongoDB' };

/** A port's service name, as GuardDuty reports it ('Unknown' otherwise). */
export function portName(p: number): string {
  return PORT_NAMES[p] ?? 'Unknown';
}

/** Event time of a flow (its end). */
export function flowTime(r: FlowRecord): Date {
  return new Date((r.end || r.start) * 1000);
}
