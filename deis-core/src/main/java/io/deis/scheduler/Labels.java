package io.deis.scheduler;

import io.deis.model.AppName;
import io.deis.model.Installation;
import io.deis.model.ProcessType;
import java.util.Map;

/**
 * The labels every backend puts on what it creates. They are the backend's memory: a controller
 * that restarts finds its containers again by these, so they must stay stable across versions.
 */
public final class Labels {
  /** Marks objects this SDK manages, so that nothing else is ever touched. */
  public static final String HERITAGE = "io.deis.heritage";
  public static final String HERITAGE_VALUE = "deis-jvm";
  /** The installation that made the object ({@link Installation#LABEL}); nothing of another is ever touched. */
  public static final String INSTALLATION = Installation.LABEL;
  public static final String APP = "io.deis.app";
  public static final String RELEASE = "io.deis.release";
  public static final String TYPE = "io.deis.type";
  public static final String NUM = "io.deis.num";

  private Labels() {}

  /** The labels of everything an installation made. */
  public static Map<String, String> forInstallation(Installation installation) {
    return Map.of(HERITAGE, HERITAGE_VALUE, INSTALLATION, installation.id());
  }

  /** The labels of everything an installation made for one app. */
  public static Map<String, String> forApp(Installation installation, AppName app) {
    return Map.of(HERITAGE, HERITAGE_VALUE, INSTALLATION, installation.id(), APP, app.value());
  }

  public static Map<String, String> forContainer(Installation installation, AppName app, int release, ProcessType type, int num) {
    return Map.of(HERITAGE, HERITAGE_VALUE, INSTALLATION, installation.id(), APP, app.value(),
        RELEASE, Integer.toString(release), TYPE, type.value(), NUM, Integer.toString(num));
  }
}
