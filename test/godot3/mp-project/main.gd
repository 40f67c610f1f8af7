# A Godot 3 game on Godot's own high-level multiplayer over WebRTC, as the 3.x webrtc_signaling
# demo's multiplayer client (client/multiplayer_client.gd) sets it up: one WebRTCPeerConnection per
# lobby member, add_peer(peer, id), the lower id offers, and get_tree().network_peer = rtc_mp, so
# that the SceneTree polls it and MultiplayerAPI reads every packet. Only its candidates differ from
# the demo (rewritten to 127.0.0.1, _on_loopback).
#
# Arguments (after "--"): --url=ws://..., --role=server (create the lobby: id 1) or --role=client
# (join --lobby=NAME), --mesh (initialize(id, false); without it initialize(id, true) as the demo),
# --max-seconds=N (it quits with code 3 after N seconds whatever happens).
#
# It prints one line per thing it sees, `EVENT <name> <json>`, and acts on commands a peer sends as
# RAW packets (send_bytes) holding JSON: {"do": "step", "name": <step>, "to": <peer id>} runs one of
# the scripted steps of godot3-multiplayer-wire.md §5 (see _step), {"do": "seal"} seals the lobby
# (the host's S:), {"do": "quit"} quits with code 0.
extends Node

const SignalingClient = preload("res://signaling_client.gd")
const Values = preload("res://values.gd")

var signaling = SignalingClient.new()
var rtc_mp = WebRTCMultiplayer.new()
var role = "client"
var mesh = false
var my_id = 0
var sealed = false
var deadline_msec = 0
var quitting = false
const QUIT_GRACE_SECONDS = 0.3


func _ready():
	var options = _parse_args(OS.get_cmdline_args())
	deadline_msec = OS.get_ticks_msec() + int(float(options.get("max-seconds", "60")) * 1000.0)
	role = options.get("role", "client")
	mesh = options.has("mesh")
	add_child(signaling)
	signaling.connect("socket_connected", self, "_on_socket_connected")
	signaling.connect("socket_closed", self, "_on_socket_closed")
	signaling.connect("id_assigned", self, "_on_id_assigned")
	signaling.connect("lobby_joined", self, "_on_lobby_joined")
	signaling.connect("lobby_sealed", self, "_on_lobby_sealed")
	signaling.connect("peer_announced", self, "_on_peer_announced")
	signaling.connect("peer_left", self, "_on_peer_left")
	signaling.connect("offer_received", self, "_on_offer_received")
	signaling.connect("answer_received", self, "_on_answer_received")
	signaling.connect("candidate_received", self, "_on_candidate_received")
	rtc_mp.connect("peer_connected", self, "_on_rtc", ["rtc_peer_connected"])
	rtc_mp.connect("peer_disconnected", self, "_on_rtc", ["rtc_peer_disconnected"])
	rtc_mp.connect("connection_succeeded", self, "_on_rtc", ["rtc_connection_succeeded"])
	rtc_mp.connect("server_disconnected", self, "_on_rtc", ["rtc_server_disconnected"])
	get_tree().connect("network_peer_connected", self, "_on_tree_peer", ["network_peer_connected"])
	get_tree().connect("network_peer_disconnected", self, "_on_tree_peer", ["network_peer_disconnected"])
	get_tree().connect("connected_to_server", self, "_on_tree", ["connected_to_server"])
	get_tree().connect("connection_failed", self, "_on_tree", ["connection_failed"])
	get_tree().connect("server_disconnected", self, "_on_tree", ["server_disconnected"])
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	var url = options.get("url", "")
	if url == "" or not (role in ["server", "client"]):
		_quit(2, "usage: --url=ws://... --role=server|client [--lobby=NAME] [--mesh]")
		return
	var lobby = options.get("lobby", "") if role == "client" else ""
	_event("started", {"url": url, "lobby": lobby, "role": role, "mesh": mesh})
	_event("values", {"hello": var2str(Values.hello_args()), "types": var2str(Values.types_args()), "every": var2str(Values.every_value()), "every_types": _types(Values.every_value())})
	var err = signaling.open(url, lobby)
	if err != OK:
		_quit(2, "connect_to_url failed with %d" % err)


func _process(_delta):
	if not quitting and OS.get_ticks_msec() > deadline_msec:
		_quit(3, "deadline")


# ---- Commands and steps -------------------------------------------------------------------------

func _on_packet(id, packet):
	var text = packet.get_string_from_utf8()
	if text.begins_with("{\"do\""):
		var parsed = JSON.parse(text)
		if parsed.error == OK and typeof(parsed.result) == TYPE_DICTIONARY:
			_command(id, parsed.result)
			return
	_event("network_peer_packet", {"from": id, "hex": packet.hex_encode(), "sender": get_tree().get_rpc_sender_id()})


func _command(from, command):
	_event("command", {"from": from, "command": command})
	match command.get("do", ""):
		"quit":
			_quit(0, "told by %d" % from)
		"seal":
			_event("seal_sent", {"error": signaling.seal()})
		"step":
			var name = str(command.get("name", ""))
			var results = _step(name, int(command.get("to", 0)))
			_event("step_done", {"name": name, "to": int(command.get("to", 0)), "results": results})
		_:
			_event("error", {"what": "unknown command", "command": command})


# Each step is a §5 capture step of godot3-multiplayer-wire.md, to peer `to`; it returns what the
# calls returned (send_bytes' Error codes; rpc and rset return nothing).
func _step(name, to):
	var target = $Target
	var reliable = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
	match name:
		"raw_modes":
			var data = PoolByteArray([1, 2, 3, 250])
			return [
				multiplayer.send_bytes(data, to, reliable),
				multiplayer.send_bytes(data, to, NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED),
				multiplayer.send_bytes(data, to, NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE),
			]
		"raw_broadcast":
			return [multiplayer.send_bytes(PoolByteArray([7]))]
		"raw_exclude":
			return [multiplayer.send_bytes(PoolByteArray([8]), -to)]
		"raw_unknown":
			# Past MultiplayerAPI: no command byte a 3.x receiver knows (0xaa), then a 4.x-style flag byte.
			rtc_mp.set_target_peer(to)
			rtc_mp.set_transfer_mode(reliable)
			return [rtc_mp.put_packet(PoolByteArray([0xaa, 0xbb])), rtc_mp.put_packet(PoolByteArray([0x40, 7, 0, 0, 0]))]
		"first_calls":
			var h = Values.hello_args()
			target.rpc_id(to, "ping", 1.5)
			target.rpc_id(to, "hello", h[0], h[1], h[2], h[3], h[4], h[5])
			target.rset_id(to, "value", 7)
			return []
		"cached_calls":
			target.rpc_id(to, "ping", 2.5)
			target.rpc_unreliable_id(to, "ping", 3.5)
			target.rset_id(to, "value", 8)
			target.rset_unreliable_id(to, "value", 9)
			target.rpc_id(to, "noargs")
			return []
		"other_ping":
			$Other.rpc_id(to, "ping", 6.5)
			return []
		"types":
			var t = Values.types_args()
			target.rpc_id(to, "types", t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9])
			return []
		"every":
			target.rpc_id(to, "echo", Values.every_value())
			target.rset_id(to, "value", Values.every_value())
			return []
		"object":
			# An Object crosses as its instance id (MultiplayerAPI's default, no object decoding).
			target.rpc_id(to, "take_object", target)
			return [str(target.get_instance_id())]
		"broadcast":
			target.rpc("ping", 4.5)
			target.rpc_id(-to, "ping", 5.5)
			return []
		"permission_calls":
			# Methods the Node side must refuse by its own permissions: puppet, master, none, unknown.
			target.rpc_id(to, "from_master", 1)
			target.rpc_id(to, "to_master", 2)
			target.rpc_id(to, "secret")
			target.rpc_id(to, "nope", 3)
			target.rset_id(to, "hidden", 4)
			target.rpc_id(to, "ping", 10.5)
			return []
	_event("error", {"what": "unknown step", "name": name})
	return []


# ---- Signaling and WebRTC, as the demo's multiplayer_client.gd ----------------------------------

func _on_socket_connected():
	_event("socket_connected", {})


func _on_socket_closed(code, reason):
	_event("socket_closed", {"code": code, "reason": reason})
	# As the demo: an unexpected close ends the WebRTC side too; after a seal the mesh outlives it.
	if not sealed and not quitting:
		rtc_mp.close()


func _on_id_assigned(id):
	my_id = id
	var err = rtc_mp.initialize(id, not mesh)
	# Only once initialized: MultiplayerAPI takes no DISCONNECTED peer.
	get_tree().network_peer = rtc_mp
	_event("id", {"id": id, "error": err, "status": rtc_mp.get_connection_status(), "server": get_tree().is_network_server()})
	if role == "server" and id != 1:
		_event("error", {"what": "a server must create the lobby (id 1)", "id": id})


func _on_lobby_joined(lobby):
	_event("joined", {"lobby": lobby, "id": my_id})


func _on_lobby_sealed():
	sealed = true
	_event("sealed", {})


func _on_peer_announced(id):
	var peer = WebRTCPeerConnection.new()
	# No STUN: every test stays on this machine.
	var err = peer.initialize({"iceServers": []})
	if err != OK:
		_event("error", {"what": "initialize", "id": id, "error": err})
		return
	peer.connect("session_description_created", self, "_on_description_created", [id])
	peer.connect("ice_candidate_created", self, "_on_candidate_created", [id])
	err = rtc_mp.add_peer(peer, id)
	if err != OK:
		_event("error", {"what": "add_peer", "id": id, "error": err})
		return
	var offering = id > rtc_mp.get_unique_id()
	_event("peer_announced", {"id": id, "offering": offering})
	if offering:
		peer.create_offer()


func _on_peer_left(id):
	_event("peer_left", {"id": id})
	if rtc_mp.has_peer(id):
		rtc_mp.remove_peer(id)


func _on_description_created(type, sdp, id):
	if not rtc_mp.has_peer(id):
		return
	rtc_mp.get_peer(id).connection.set_local_description(type, sdp)
	var err = signaling.send_offer(id, sdp) if type == "offer" else signaling.send_answer(id, sdp)
	if err != OK:
		_event("error", {"what": "send " + type, "id": id, "error": err})


func _on_candidate_created(mid, index, candidate, id):
	var local = _on_loopback(candidate)
	if local != "":
		signaling.send_candidate(id, mid, index, local)


# Not the demo: the plugin gathers host candidates on the machine's interfaces only, never on
# loopback, and the tests keep every packet on 127.0.0.1. Its socket listens on every address, so
# an IPv4 host candidate is sent with 127.0.0.1 in place of its address; the others are dropped.
func _on_loopback(candidate):
	var fields = candidate.split(" ", false)
	if fields.size() < 8 or fields[7] != "host" or fields[4].find(":") >= 0:
		return ""
	fields[4] = "127.0.0.1"
	return fields.join(" ")


func _on_offer_received(id, sdp):
	if rtc_mp.has_peer(id):
		rtc_mp.get_peer(id).connection.set_remote_description("offer", sdp)


func _on_answer_received(id, sdp):
	if rtc_mp.has_peer(id):
		rtc_mp.get_peer(id).connection.set_remote_description("answer", sdp)


func _on_candidate_received(id, mid, index, candidate):
	if rtc_mp.has_peer(id):
		rtc_mp.get_peer(id).connection.add_ice_candidate(mid, index, candidate)


func _on_rtc(id_or_name, name = ""):
	# peer_connected/peer_disconnected carry an id; connection_succeeded/server_disconnected do not.
	if name == "":
		_event(id_or_name, {"status": rtc_mp.get_connection_status()})
	else:
		_event(name, {"id": id_or_name, "status": rtc_mp.get_connection_status()})


func _on_tree_peer(id, name):
	_event(name, {"id": id, "peers": Array(get_tree().get_network_connected_peers())})


func _on_tree(name):
	_event(name, {"status": rtc_mp.get_connection_status()})


# The connections are closed first and kept for a moment before the engine quits: the plugin's
# libdatachannel says goodbye (SCTP, DTLS) from its own thread, which a process that exits at once
# might cut short; a game's orderly shutdown gives it that time too.
func _quit(code, why):
	if quitting:
		return
	quitting = true
	_event("quitting", {"code": code, "why": why})
	var closing = []
	for id in rtc_mp.get_peers():
		closing.append(rtc_mp.get_peer(id).connection)
	for peer in closing:
		peer.close()
	signaling.close()
	yield(get_tree().create_timer(QUIT_GRACE_SECONDS), "timeout")
	rtc_mp.close()
	get_tree().quit(code)


func _types(list):
	var kinds = []
	for item in list:
		kinds.append(typeof(item))
	return kinds


func _event(kind, data):
	print("EVENT %s %s" % [kind, to_json(data)])


func _parse_args(args):
	var options = {}
	for arg in args:
		if arg.begins_with("--") and arg.find("=") > 2:
			var eq = arg.find("=")
			options[arg.substr(2, eq - 2)] = arg.substr(eq + 1, arg.length() - eq - 1)
		elif arg.begins_with("--"):
			options[arg.substr(2, arg.length() - 2)] = ""
	return options
