# The 3.x webrtc_signaling demo's signaling client (client/ws_webrtc_client.gd, branch 3.x), as in
# test/godot3/project/signaling_client.gd (a copy: each project must be whole on its own): Godot's own
# WebSocketClient, text frames "<C>: <arg>\n<payload>", each split once at the first "\n".
extends Node

signal socket_connected()
signal socket_closed(code, reason)
signal id_assigned(id)
signal lobby_joined(lobby)
signal lobby_sealed()
signal peer_announced(id)
signal peer_left(id)
signal offer_received(id, sdp)
signal answer_received(id, sdp)
signal candidate_received(id, mid, index, candidate)

var lobby = ""
var ws = WebSocketClient.new()
var close_code = -1
var close_reason = ""


func _init():
	ws.connect("connection_established", self, "_on_connected")
	ws.connect("connection_closed", self, "_on_closed")
	ws.connect("connection_error", self, "_on_closed", [false])
	ws.connect("server_close_request", self, "_on_close_request")
	ws.connect("data_received", self, "_on_data")


func open(url, lobby_name):
	lobby = lobby_name
	return ws.connect_to_url(url)


func close():
	ws.disconnect_from_host()


func seal():
	return _put("S: \n")


func send_offer(id, sdp):
	return _put("O: %d\n%s" % [id, sdp])


func send_answer(id, sdp):
	return _put("A: %d\n%s" % [id, sdp])


func send_candidate(id, mid, index, candidate):
	return _put("C: %d\n\n%s\n%d\n%s" % [id, mid, index, candidate])


func _process(_delta):
	var status = ws.get_connection_status()
	if status == WebSocketClient.CONNECTION_CONNECTING or status == WebSocketClient.CONNECTION_CONNECTED:
		ws.poll()


func _put(text):
	return ws.get_peer(1).put_packet(text.to_utf8())


func _on_connected(_protocol):
	# Godot 3's WebSocketPeer writes binary frames unless told otherwise; the server wants text.
	ws.get_peer(1).set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
	emit_signal("socket_connected")
	_put("J: %s\n" % lobby)


func _on_close_request(code, reason):
	close_code = code
	close_reason = reason


func _on_closed(_was_clean):
	emit_signal("socket_closed", close_code, close_reason)


func _on_data():
	var peer = ws.get_peer(1)
	while peer.get_available_packet_count() > 0:
		_parse(peer.get_packet().get_string_from_utf8())


func _parse(frame):
	var parts = frame.split("\n", true, 1)
	if parts.size() != 2:
		return
	var head = parts[0]
	if head.length() < 3:
		return
	if head.begins_with("J: "):
		lobby = head.substr(3, head.length() - 3)
		emit_signal("lobby_joined", lobby)
		return
	if head.begins_with("S: "):
		emit_signal("lobby_sealed")
		return
	var id_text = head.substr(3, head.length() - 3)
	if not id_text.is_valid_integer():
		return
	var id = int(id_text)
	if head.begins_with("I: "):
		emit_signal("id_assigned", id)
	elif head.begins_with("N: "):
		emit_signal("peer_announced", id)
	elif head.begins_with("D: "):
		emit_signal("peer_left", id)
	elif head.begins_with("O: "):
		emit_signal("offer_received", id, parts[1])
	elif head.begins_with("A: "):
		emit_signal("answer_received", id, parts[1])
	elif head.begins_with("C: "):
		var candidate = parts[1].split("\n", false)
		if candidate.size() != 3 or not candidate[1].is_valid_integer():
			return
		emit_signal("candidate_received", id, candidate[0], int(candidate[1]), candidate[2])
