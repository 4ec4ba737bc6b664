"""What the tests do through libX11 that xdotool does not.

- The close button: what a window manager does when the user clicks it is send the window a
  WM_PROTOCOLS / WM_DELETE_WINDOW client message (ICCCM 4.2.8.1). xdotool 3.2016's
  ``windowclose`` destroys the X window instead, which no user can do and Qt never sees as a
  close; Xvfb has no window manager, so the tests send the message themselves.
- What the screen shows: ``grab`` reads a window's pixels as the X server has them (what a
  person sees), for checks such as "the error text is still on screen"; ``write_png`` saves
  one to look at when a test fails.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

CLIENT_MESSAGE = 33
NO_EVENT_MASK = 0


class _ClientMessageData(ctypes.Union):
    _fields_ = [("b", ctypes.c_char * 20), ("s", ctypes.c_short * 10), ("l", ctypes.c_long * 5)]


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", _ClientMessageData),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def _xlib() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11")
    if name is None:
        raise OSError("libX11 is not installed")
    lib = ctypes.CDLL(name)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XGetImage.restype = ctypes.POINTER(_XImage)
    lib.XGetImage.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_ulong, ctypes.c_int,
    ]  # fmt: skip
    lib.XDestroyImage.argtypes = [ctypes.POINTER(_XImage)]
    lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
    return lib


class _XImage(ctypes.Structure):
    """The leading fields of Xlib's XImage (the rest is never read here)."""

    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


ALL_PLANES = 0xFFFFFFFF
Z_PIXMAP = 2


@dataclass(frozen=True)
class Image:
    """A window's pixels, rows top to bottom, 3 bytes (R, G, B) each."""

    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = (y * self.width + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def count_near(
        self, colour: tuple[int, int, int], box: tuple[int, int, int, int], tolerance: int = 40
    ) -> int:
        """How many pixels in ``box`` (x0, y0, x1, y1) are within ``tolerance`` of ``colour``
        on every channel (anti-aliased text has a core of pixels close to its colour)."""
        x0, y0, x1, y1 = box
        r, g, b = colour
        n = 0
        for y in range(max(0, y0), min(self.height, y1)):
            row = self.rgb[y * self.width * 3 : (y + 1) * self.width * 3]
            for x in range(max(0, x0), min(self.width, x1)):
                pr, pg, pb = row[x * 3], row[x * 3 + 1], row[x * 3 + 2]
                if abs(pr - r) <= tolerance and abs(pg - g) <= tolerance and abs(pb - b) <= tolerance:
                    n += 1
        return n


def grab(display: str, window: int) -> Image:
    """The pixels of ``window`` as the X server has them (a 24-bit TrueColor screen: Xvfb's)."""
    lib = _xlib()
    dpy = lib.XOpenDisplay(display.encode())
    if not dpy:
        raise OSError(f"cannot open X display {display}")
    try:
        attrs = (ctypes.c_int * 64)()  # XWindowAttributes starts with x, y, width, height
        lib.XGetWindowAttributes(dpy, window, attrs)
        width, height = attrs[2], attrs[3]
        ximage = lib.XGetImage(dpy, window, 0, 0, width, height, ALL_PLANES, Z_PIXMAP)
        if not ximage:
            raise OSError(f"cannot read the pixels of window {window}")
        try:
            im = ximage.contents
            if im.bits_per_pixel != 32:
                raise OSError(f"unexpected {im.bits_per_pixel} bits per pixel")
            raw = ctypes.string_at(im.data, im.bytes_per_line * im.height)
            rgb = bytearray(width * height * 3)
            for y in range(height):
                line = raw[y * im.bytes_per_line : y * im.bytes_per_line + width * 4]
                out = y * width * 3
                rgb[out : out + width * 3 : 3] = line[2::4]  # little-endian BGRX
                rgb[out + 1 : out + width * 3 : 3] = line[1::4]
                rgb[out + 2 : out + width * 3 : 3] = line[0::4]
            return Image(width, height, bytes(rgb))
        finally:
            lib.XDestroyImage(ximage)
    finally:
        lib.XCloseDisplay(dpy)


def write_png(image: Image, path: Path) -> None:
    """Save ``image`` as a PNG (8-bit RGB, no filter): to look at when a test fails."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    stride = image.width * 3
    raw = b"".join(b"\0" + image.rgb[y * stride : (y + 1) * stride] for y in range(image.height))
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    png = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png)


def send_wm_delete(display: str, window: int) -> None:
    """Ask ``window`` on X display ``display`` (":99") to close, as its close button does."""
    lib = _xlib()
    dpy = lib.XOpenDisplay(display.encode())
    if not dpy:
        raise OSError(f"cannot open X display {display}")
    try:
        event = _XEvent()
        msg = event.xclient
        msg.type = CLIENT_MESSAGE
        msg.window = window
        msg.message_type = lib.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        msg.format = 32
        msg.data.l[0] = lib.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        msg.data.l[1] = 0  # CurrentTime
        lib.XSendEvent(dpy, window, 0, NO_EVENT_MASK, ctypes.byref(event))
        lib.XFlush(dpy)
    finally:
        lib.XCloseDisplay(dpy)
