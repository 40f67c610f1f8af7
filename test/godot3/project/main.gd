# The 3.x webrtc_signaling demo's multiplayer client (client/multiplayer_client.gd, branch 3.x), written
# anew with the same behaviour: WebRTCMultiplayer.initialize(id, true) on "I:", one connection per
# "N:" added with add_peer(peer, id), and the lower id offers. It reads packets itself (no
# MultiplayerAPI: what crosses is raw text), greets every peer once connected, echoes what it gets,
# and prints one machine-readable line per event for test/godot3 to read:
#   EVENT <name> <args...>
# Arguments (after "--" on the command line): --url=ws://..., --lobby=NAME ("" or absent: create),
# --max-seconds=N (it quits with code 3 after N seconds whatever happens, so it never hangs).
# A packet "quit" makes it quit with code 0; "seal" makes it seal the lobby (host only).
# Its candidates go out rewritten to 127.0.0.1 (_on_loopback): the one place it departs from the demo.
extends Node

const SignalingClient = preload("res://signaling_client.gd")

var signaling = SignalingClient.new()
var rtc_mp = WebRTCMultiplayer.new()
var my_id = 0
var sealed = false
var deadline_msec = 0
var quitting = false


func _ready():
	var options = _parse_args(OS.get_cmdline_args())
	deadline_msec = OS.get_ticks_msec() + int(float(options.get("max-seconds", "60")) * 1000.0)
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
	rtc_mp.connect("peer_connected", self, "_on_rtc_peer_connected")
	rtc_mp.connect("peer_disconnected", self, "_on_rtc_peer_disconnected")
	rtc_mp.connect("connection_succeeded", self, "_on_rtc_connection_succeeded")
	rtc_mp.connect("server_disconnected", self, "_on_rtc_server_disconnected")
	var url = options.get("url", "")
	if url == "":
		_quit(2, "no --url= argument")
		return
	var lobby = options.get("lobby", "")
	_event("started %s %s" % [url, lobby])
	var err = signaling.open(url, lobby)
	if err != OK:
		_quit(2, "connect_to_url failed with %d" % err)


func _process(_delta):
	if quitting:
		return
	if OS.get_ticks_msec() > deadline_msec:
		_quit(3, "deadline")
		return
	if rtc_mp.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		return
	rtc_mp.poll()
	while rtc_mp.get_available_packet_count() > 0:
		# The sender of a packet is only known before the packet is taken.
		var from = rtc_mp.get_packet_peer()
		var text = rtc_mp.get_packet().get_string_from_utf8()
		_event("got %d %s" % [from, text])
		if text == "quit":
			_quit(0, "told by %d" % from)
			return
		if text == "seal":
			_event("seal_sent %d" % signaling.seal())
		elif not text.begins_with("echo "):
			_send(from, "echo " + text)


func _send(id, text):
	rtc_mp.set_target_peer(id)
	rtc_mp.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	var err = rtc_mp.put_packet(text.to_utf8())
	if err == OK:
		_event("sent %d %s" % [id, text])
	else:
		_event("error put_packet %d %d" % [id, err])


func _on_socket_connected():
	_event("socket_connected")


func _on_socket_closed(code, reason):
	_event("socket_closed %d %s" % [code, reason])
	# As the demo: an unexpected close ends the WebRTC side too; after a seal the mesh outlives it.
	if not sealed:
		rtc_mp.close()


func _on_id_assigned(id):
	my_id = id
	var err = rtc_mp.initialize(id, true)
	_event("id %d %d" % [id, err])


func _on_lobby_joined(lobby):
	_event("joined %s %d" % [lobby, my_id])


func _on_lobby_sealed():
	sealed = true
	_event("sealed")


func _on_peer_announced(id):
	var peer = WebRTCPeerConnection.new()
	# No STUN: every test stays on this machine.
	var err = peer.initialize({"iceServers": []})
	if err != OK:
		_event("error initialize %d %d" % [id, err])
		return
	peer.connect("session_description_created", self, "_on_description_created", [id])
	peer.connect("ice_candidate_created", self, "_on_candidate_created", [id])
	err = rtc_mp.add_peer(peer, id)
	if err != OK:
		_event("error add_peer %d %d" % [id, err])
		return
	var offering = id > rtc_mp.get_unique_id()
	_event("peer_announced %d %s" % [id, "offering" if offering else "waiting"])
	if offering:
		peer.create_offer()


func _on_peer_left(id):
	_event("peer_left %d" % id)
	if rtc_mp.has_peer(id):
		rtc_mp.remove_peer(id)


func _on_description_created(type, sdp, id):
	if not rtc_mp.has_peer(id):
		return
	rtc_mp.get_peer(id).connection.set_local_description(type, sdp)
	var err = signaling.send_offer(id, sdp) if type == "offer" else signaling.send_answer(id, sdp)
	_event("description_sent %s %d %d" % [type, id, err])


func _on_candidate_created(mid, index, candidate, id):
	var local = _on_loopback(candidate)
	if local == "":
		_event("candidate_dropped %d %s" % [id, candidate])
		return
	signaling.send_candidate(id, mid, index, local)
	_event("candidate_sent %d %s" % [id, local])


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
	_event("offer_received %d" % id)
	if rtc_mp.has_peer(id):
		rtc_mp.get_peer(id).connection.set_remote_description("offer", sdp)


func _on_answer_received(id, sdp):
	_event("answer_received %d" % id)
	if rtc_mp.has_peer(id):
		rtc_mp.get_peer(id).connection.set_remote_description("answer", sdp)


func _on_candidate_received(id, mid, index, candidate):
	if rtc_mp.has_peer(id):
		var err = rtc_mp.get_peer(id).connection.add_ice_candidate(mid, index, candidate)
		_event("candidate_received %d %d" % [id, err])


func _on_rtc_peer_connected(id):
	_event("peer_connected %d" % id)
	_send(id, "hello from godot %d" % my_id)


func _on_rtc_peer_disconnected(id):
	_event("peer_disconnected %d" % id)


func _on_rtc_connection_succeeded():
	_event("connection_succeeded")


func _on_rtc_server_disconnected():
	_event("server_disconnected")


func _quit(code, why):
	quitting = true
	_event("quitting %d %s" % [code, why])
	for id in rtc_mp.get_peers():
		rtc_mp.get_peer(id).connection.close()
	rtc_mp.close()
	signaling.close()
	get_tree().quit(code)


func _event(text):
	print("EVENT " + text)


func _parse_args(args):
	var options = {}
	for arg in args:
		if arg.begins_with("--") and arg.find("=") > 2:
			var eq = arg.find("=")
			options[arg.substr(2, eq - 2)] = arg.substr(eq + 1, arg.length() - eq - 1)
	return options
