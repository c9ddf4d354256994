Attribute VB_Name = "XxgkRibbon"
' Ribbon callbacks of the xxgk add-in: one Sub per onAction in addin/customUI.xml.
'
' Each button runs its Python entry point in xxgk.addin.buttons through xlwings' RunPython (the Python
' side shows its own Chinese alerts), or, in the server mode (config key XXGK_SERVER, see XxgkRemote),
' posts the book to the portal: validate, clear and submit; the other buttons say where to go instead. Whatever fails here, before or around Python, ends in a Chinese
' message box. Keep this module ASCII (code page 1252): the Chinese texts are the Zh* functions of
' XxgkText, generated from addin/texts.zh.txt. The RunPython command must not contain double quotes.
Option Explicit

Private Const ENTRY_POINT As String = "import xxgk.addin.buttons as b; b."

Sub OnValidate(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenTemplateFirst()) Then Exit Sub
    If XxgkRemote.ServerMode() Then
        XxgkRemote.Click "validate"
    Else
        RunButton "validate()"
    End If
    Exit Sub
Failed:
    ReportFailure ZhValidate()
End Sub

Sub OnClear(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenTemplateFirst()) Then Exit Sub
    If XxgkRemote.ServerMode() Then
        XxgkRemote.Click "clear"
    Else
        RunButton "clear()"
    End If
    Exit Sub
Failed:
    ReportFailure ZhClear()
End Sub

Sub OnSubmit(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenTemplateFirst()) Then Exit Sub
    If XxgkRemote.ServerMode() Then
        XxgkRemote.Click "submit"
    Else
        XxgkRemote.ShowMessage ZhSubmitNeedsServer(), vbExclamation
    End If
    Exit Sub
Failed:
    ReportFailure ZhSubmit()
End Sub

Sub OnNewTemplate2021(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    If LocalOnly() Then Exit Sub
    RunButton "new_template('gb2021')"
    Exit Sub
Failed:
    ReportFailure ZhNewTemplate2021()
End Sub

Sub OnNewTemplate2019(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    If LocalOnly() Then Exit Sub
    RunButton "new_template('gb2019')"
    Exit Sub
Failed:
    ReportFailure ZhNewTemplate2019()
End Sub

Sub OnConsolidate(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    If LocalOnly() Then Exit Sub
    RunButton "consolidate()"
    Exit Sub
Failed:
    ReportFailure ZhConsolidate()
End Sub

Sub OnHelp(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    If XxgkRemote.ServerMode() Then
        XxgkRemote.ShowMessage ZhServerHelp(), vbInformation
    Else
        RunButton "help()"
    End If
    Exit Sub
Failed:
    ReportFailure ZhHelp()
End Sub

Private Sub RunButton(ByVal pythonCall As String)
    ' RunPython needs an active workbook and, on Windows, an interpreter that exists: say so in Chinese
    ' instead of xlwings' English "Could not find Interpreter!" or a cmd.exe error.
    If InterpreterMissing() Then Exit Sub
    RunPython ENTRY_POINT & pythonCall
End Sub

Private Function LocalOnly() As Boolean
    ' New template and consolidate run Python on this PC: in the server mode the portal does them.
    If XxgkRemote.ServerMode() Then
        XxgkRemote.ShowMessage ZhLocalOnly(), vbInformation
        LocalOnly = True
    End If
End Function

Private Function NoBook(ByVal message As String) As Boolean
    If ActiveWorkbook Is Nothing Then
        XxgkRemote.ShowMessage message, vbExclamation
        NoBook = True
    End If
End Function

Private Function InterpreterMissing() As Boolean
    #If Mac Then
        InterpreterMissing = False
    #Else
        Dim interpreter As String
        interpreter = GetConfig("INTERPRETER_WIN", "")
        If interpreter = "" Then
            If GetConfig("CONDA PATH", "") <> "" Then Exit Function ' xlwings activates the conda environment itself
            XxgkRemote.ShowMessage ZhNoInterpreter(), vbExclamation
            InterpreterMissing = True
        ElseIf Not FileExists(interpreter) Then
            XxgkRemote.ShowMessage ZhInterpreterNotFound() & vbLf & interpreter & vbLf & vbLf & ZhReinstall(), vbExclamation
            InterpreterMissing = True
        End If
    #End If
End Function

Private Sub ReportFailure(ByVal label As String)
    ' Read Err first: the On Error statement below clears it.
    Dim detail As String
    detail = Err.Description & " (" & Err.Number & ")"
    On Error Resume Next
    XxgkRemote.ShowMessage label & " " & ZhButtonFailed() & vbLf & detail & vbLf & vbLf & ZhSendBack(), vbCritical
End Sub
