/// The server ports an OpenStack controller's traffic uses, followed without being asked
/// (DESIGN.md's defaults): Keystone 5000 and 13000 (TLS), Glance 9292 and 13292 (TLS),
/// MySQL/MariaDB 3306.
///
/// The one place they are written: the stages below `Timeline` know no OpenStack and are handed
/// these (the reassembler's `watchedPorts`, the capture filter of `glancetrace capture`).
public enum OpenStackPorts {
    public static let watchedByDefault: Set<UInt16> = [5000, 13000, 9292, 13292, 3306]
}
