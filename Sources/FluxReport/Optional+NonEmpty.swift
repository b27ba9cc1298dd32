extension Optional where Wrapped == String {
    /// nil for nil or "", so `??` chains skip empty values.
    var nonEmpty: String? {
        if let s = self, !s.isEmpty { return s }
        return nil
    }
}
