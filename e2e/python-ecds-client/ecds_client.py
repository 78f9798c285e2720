#!/usr/bin/python3
"""An ECDS client on Debian's python3-grpcio, driven by a test over stdin/stdout.

Prints one JSON event per line; at each {"event": "waiting"} it blocks until the test writes "continue".
Stubs come from compile_stubs.py (--stubs DIR is put on sys.path). Exit code 0 when the scenario ran through.
"""
import argparse
import json
import queue
import sys
import threading
import time

TEC_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig'
RESPONSE_TIMEOUT_S = 10.0
QUIET_S = 1.2


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def wait_for_continue(step):
    emit('waiting', step=step)
    line = sys.stdin.readline()
    if line.strip() != 'continue':
        raise SystemExit(f'expected "continue" on stdin at {step}, got {line!r}')


def varint_fields(data):
    """Top-level varint fields of a serialized message as {field_number: value}; other wire types skipped."""
    out, i = {}, 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            out[number] = varint()
        elif wire == 1:
            i += 8
        elif wire == 2:
            length = varint()  # read before `i` is, since varint() moves it
            i += length
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f'unsupported wire type {wire}')
    return out


class Client:
    def __init__(self, args):
        import grpc
        from envoy.config.core.v3 import base_pb2, extension_pb2
        from envoy.extensions.filters.http.wasm.v3 import wasm_pb2
        from envoy.service.discovery.v3 import discovery_pb2
        from envoy.service.extension.v3 import config_discovery_pb2_grpc
        from google.protobuf import wrappers_pb2
        from google.rpc import status_pb2

        self.grpc, self.pb, self.status_pb2 = grpc, discovery_pb2, status_pb2
        self.tec_cls, self.wasm_cls, self.string_cls = extension_pb2.TypedExtensionConfig, wasm_pb2.Wasm, wrappers_pb2.StringValue
        self.args = args
        self.channel = grpc.insecure_channel(args.target)
        self.stub = config_discovery_pb2_grpc.ExtensionConfigDiscoveryServiceStub(self.channel)
        self.node = base_pb2.Node(id=args.node_id, cluster='python-interop')
        self.node.metadata.update({'client': 'python3-grpcio', 'scenario': args.scenario})
        self.metadata = [('authorization', f'Bearer {args.token}')] if args.token else []

    def decode_resource(self, any_msg, name=None, version=None):
        tec = self.tec_cls()
        if not any_msg.Unpack(tec):
            raise ValueError(f'resource is {any_msg.type_url}, not a TypedExtensionConfig')
        wasm = self.wasm_cls()
        if not tec.typed_config.Unpack(wasm):
            raise ValueError(f'typed_config is {tec.typed_config.type_url}, not a Wasm filter')
        plugin, vm = wasm.config, wasm.config.vm_config
        configuration = None
        if plugin.HasField('configuration'):
            sv = self.string_cls()
            if not plugin.configuration.Unpack(sv):
                raise ValueError(f'configuration is {plugin.configuration.type_url}, not a StringValue')
            configuration = sv.value
        return {
            'delta_name': name, 'delta_version': version, 'type_url': any_msg.type_url, 'name': tec.name,
            'wasm_type_url': tec.typed_config.type_url, 'plugin_name': plugin.name, 'root_id': plugin.root_id,
            'vm_id': vm.vm_id, 'runtime': vm.runtime, 'uri': vm.code.remote.http_uri.uri,
            'cluster': vm.code.remote.http_uri.cluster, 'sha256': vm.code.remote.sha256,
            'configuration': configuration,
            # failure_policy = 7 is newer than the shipped protos: it survives as an unknown field.
            'failure_policy': varint_fields(plugin.SerializeToString()).get(7),
        }

    def open(self, kind):
        return Stream(self, kind)

    def sotw_request(self, names, ack_of=None, version='', error=None):
        req = self.pb.DiscoveryRequest(node=self.node, type_url=TEC_TYPE_URL, resource_names=names, version_info=version)
        if ack_of is not None:
            req.response_nonce = ack_of.nonce
        if error:
            req.error_detail.CopyFrom(self.status_pb2.Status(code=13, message=error))
        return req

    def delta_request(self, subscribe=(), unsubscribe=(), ack_of=None, initial=None, error=None):
        req = self.pb.DeltaDiscoveryRequest(node=self.node, type_url=TEC_TYPE_URL, resource_names_subscribe=subscribe,
                                            resource_names_unsubscribe=unsubscribe)
        req.initial_resource_versions.update(initial or {})
        if ack_of is not None:
            req.response_nonce = ack_of.nonce
        if error:
            req.error_detail.CopyFrom(self.status_pb2.Status(code=13, message=error))
        return req


class Stream:
    """One bidi stream: requests go through a queue, responses are read on a thread into another queue."""

    def __init__(self, client, kind):
        self.client, self.kind, self.requests, self.responses = client, kind, queue.Queue(), queue.Queue()
        method = client.stub.StreamExtensionConfigs if kind == 'sotw' else client.stub.DeltaExtensionConfigs
        self.call = method(iter(self.requests.get, None), metadata=client.metadata)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for response in self.call:
                self.responses.put(response)
        except self.client.grpc.RpcError as err:
            self.responses.put(err)

    def send(self, request):
        self.requests.put(request)

    def receive(self, label, timeout=RESPONSE_TIMEOUT_S):
        try:
            item = self.responses.get(timeout=timeout)
        except queue.Empty:
            raise SystemExit(f'timed out after {timeout}s waiting for {label}')
        if isinstance(item, Exception):
            raise item
        self.report(label, item)
        return item

    def quiet(self, label, seconds=QUIET_S):
        """Emits 'quiet' when nothing arrives within `seconds`, else the unexpected response."""
        try:
            item = self.responses.get(timeout=seconds)
        except queue.Empty:
            emit('quiet', step=label, seconds=seconds)
            return
        if isinstance(item, Exception):
            raise item
        self.report(label, item, event='unexpected_response')

    def report(self, label, r, event='response'):
        if self.kind == 'sotw':
            emit(event, step=label, version_info=r.version_info, nonce=r.nonce, type_url=r.type_url,
                 resources=[self.client.decode_resource(a) for a in r.resources])
        else:
            emit(event, step=label, system_version_info=r.system_version_info, nonce=r.nonce, type_url=r.type_url,
                 removed_resources=list(r.removed_resources),
                 resources=[self.client.decode_resource(x.resource, x.name, x.version) for x in r.resources])

    def close(self):
        self.requests.put(None)
        self.call.cancel()


def run_sotw(c, slot, late):
    s = c.open('sotw')
    s.send(c.sotw_request([slot, late]))
    r1 = s.receive('initial')
    s.send(c.sotw_request([slot, late], ack_of=r1, version=r1.version_info))
    emit('acked', version_info=r1.version_info)
    s.quiet('after-ack')
    wait_for_continue('update-2')
    r2 = s.receive('update-2')
    s.send(c.sotw_request([slot, late], ack_of=r2, version=r1.version_info, error='python client refuses this version'))
    emit('nacked', version_info=r2.version_info, nonce=r2.nonce)
    s.quiet('after-nack')
    # The same node on a new stream must not be handed the refused version either.
    s2 = c.open('sotw')
    s2.send(c.sotw_request([slot]))
    s2.quiet('new-stream-after-nack')
    s2.close()
    wait_for_continue('update-3')
    r3 = s.receive('update-3')
    s.send(c.sotw_request([slot, late], ack_of=r3, version=r3.version_info))
    emit('acked', version_info=r3.version_info)
    wait_for_continue('create-late')
    r4 = s.receive('late-created')
    s.send(c.sotw_request([slot, late], ack_of=r4, version=r4.version_info))
    emit('acked', version_info=r4.version_info)
    s.close()


def run_delta(c, slot):
    s = c.open('delta')
    s.send(c.delta_request(subscribe=[slot]))
    r1 = s.receive('initial')
    s.send(c.delta_request(ack_of=r1))
    emit('acked', nonce=r1.nonce)
    s.send(c.delta_request(unsubscribe=[slot]))
    s.quiet('after-unsubscribe')
    s.send(c.delta_request(subscribe=[slot]))
    r2 = s.receive('resubscribed')
    s.send(c.delta_request(ack_of=r2))
    emit('acked', nonce=r2.nonce)
    wait_for_continue('delete')
    r3 = s.receive('deleted')
    s.send(c.delta_request(ack_of=r3))
    wait_for_continue('recreate')
    r4 = s.receive('recreated')
    s.send(c.delta_request(ack_of=r4))
    held = {x.name: x.version for x in r4.resources}
    emit('acked', nonce=r4.nonce, held=held)
    s.close()
    # Reconnect claiming what we hold: nothing is resent...
    s2 = c.open('delta')
    s2.send(c.delta_request(subscribe=[slot], initial=held))
    s2.quiet('reconnect-with-current-versions')
    # ...while a client claiming an outdated version gets the current one.
    s3 = c.open('delta')
    s3.send(c.delta_request(subscribe=[slot], initial={slot: 'not-a-version-the-server-sent'}))
    r5 = s3.receive('reconnect-with-stale-version')
    s3.send(c.delta_request(ack_of=r5))
    s3.close()
    # The quiet stream is alive: a change still reaches it.
    wait_for_continue('update-after-reconnect')
    r6 = s2.receive('update-after-reconnect')
    s2.send(c.delta_request(ack_of=r6))
    s2.close()


def run_fetch(c, slot, late):
    r = c.stub.FetchExtensionConfigs(c.sotw_request([slot, late]), metadata=c.metadata, timeout=RESPONSE_TIMEOUT_S)
    emit('response', step='fetch', version_info=r.version_info, nonce=r.nonce, type_url=r.type_url,
         resources=[c.decode_resource(a) for a in r.resources])


def run_unauthenticated(c, slot):
    grpc = c.grpc
    for label, metadata in [('no-token', []), ('wrong-token', [('authorization', 'Bearer not-the-token')])]:
        c.metadata = metadata
        s = c.open('sotw')
        s.send(c.sotw_request([slot]))
        try:
            s.receive(f'sotw-{label}')
        except grpc.RpcError as err:
            emit('rpc_error', step=f'sotw-{label}', code=err.code().name, details=err.details())
        s.close()
        try:
            run_fetch(c, slot, slot)
        except grpc.RpcError as err:
            emit('rpc_error', step=f'fetch-{label}', code=err.code().name, details=err.details())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--stubs', required=True, help='directory of the generated stubs')
    p.add_argument('--target', required=True)
    p.add_argument('--token', default='')
    p.add_argument('--slot', required=True)
    p.add_argument('--late-slot', default='', help='subscribed before it exists (sotw, fetch)')
    p.add_argument('--node-id', default='python-node')
    p.add_argument('--scenario', required=True, choices=['sotw', 'delta', 'fetch', 'unauthenticated'])
    args = p.parse_args()
    sys.path.insert(0, args.stubs)
    c = Client(args)
    late = args.late_slot or f'{args.slot}-late'
    started = time.monotonic()
    if args.scenario == 'sotw':
        run_sotw(c, args.slot, late)
    elif args.scenario == 'delta':
        run_delta(c, args.slot)
    elif args.scenario == 'fetch':
        run_fetch(c, args.slot, late)
    else:
        run_unauthenticated(c, args.slot)
    emit('done', seconds=round(time.monotonic() - started, 2))
    c.channel.close()


if __name__ == '__main__':
    main()
