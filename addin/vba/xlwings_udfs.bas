Attribute VB_Name = "xlwings_udfs"
' The worksheet functions of xxgk.addin.udfs, written as xlwings' "Import Functions" writes them into
' an add-in (so users need neither the xlwings add-in nor access to the VBA project object model).
' tests/test_addin_build.py checks these wrappers against the decorated functions of that module.
#Const App = "Microsoft Excel" 'Adjust when using outside of Excel
Function XXGK_FINDINGS(ParamArray ranges())
    Dim argsArray() As Variant
    argsArray = Array(Nothing)
    ReDim Preserve argsArray(0 to UBound(ranges) - LBound(ranges) + 1)
    For k = LBound(ranges) To UBound(ranges)
    argsArray(1 + k - LBound(ranges)) = ranges(k)
    Next k
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        XXGK_FINDINGS = XLPy.CallUDF("xxgk.addin.udfs", "XXGK_FINDINGS", argsArray, ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        XXGK_FINDINGS = XLPy.CallUDF("xxgk.addin.udfs", "XXGK_FINDINGS", argsArray)
        Exit Function
    #End If
failed:
    XXGK_FINDINGS = Err.Description
End Function

Function XXGK_STATUS(ParamArray ranges())
    Dim argsArray() As Variant
    argsArray = Array(Nothing)
    ReDim Preserve argsArray(0 to UBound(ranges) - LBound(ranges) + 1)
    For k = LBound(ranges) To UBound(ranges)
    argsArray(1 + k - LBound(ranges)) = ranges(k)
    Next k
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        XXGK_STATUS = XLPy.CallUDF("xxgk.addin.udfs", "XXGK_STATUS", argsArray, ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        XXGK_STATUS = XLPy.CallUDF("xxgk.addin.udfs", "XXGK_STATUS", argsArray)
        Exit Function
    #End If
failed:
    XXGK_STATUS = Err.Description
End Function

