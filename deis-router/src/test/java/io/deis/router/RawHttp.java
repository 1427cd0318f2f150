package io.deis.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Bytes on a plain socket, for what a well-behaved HTTP client never sends. */
final class RawHttp implements AutoCloseable {
  final Socket socket;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
  }

  RawHttp send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  RawHttp send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** Everything until the router closes the connection (or 10 s pass). */
  String readToEnd() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      out.write("<<timed out>>".getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      out.write(("<<" + e.getMessage() + ">>").getBytes(StandardCharsets.ISO_8859_1));
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until {@code marker} has been seen {@code times} times; returns all read. */
  String readUntil(String marker, int times) throws IOException {
    StringBuilder out = new StringBuilder();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[8192];
    while (count(out, marker) < times) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
    }
    return out.toString();
  }

  private static int count(CharSequence s, String marker) {
    int c = 0;
    for (int i = s.toString().indexOf(marker); i >= 0; i = s.toString().indexOf(marker, i + 1)) {
      c++;
    }
    return c;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
